// Buffer's latin1 fast paths: present on every Node Buffer, not in @types/node.
export {};
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(text: string, offset?: number, length?: number): number;
  }
}
