// Client sockets read and written below net.Socket's stream machinery, which cost about 5 µs of
// CPU per request without pipelining, measured (mostly in writes: a request object, callbacks
// and a process.nextTick each): as much as Redis spends on a whole request in user space.
// Where Node's internals are not there (another runtime, a socket that is not a net.Socket)
// the stream API is used.
//
// Reads: every connection reads into one shared buffer (the `onread` path net.Socket offers
// client sockets): no buffer allocation and no stream machinery per read. Input left
// unconsumed when the callback returns is copied out by the parser (RequestParser.release).
//
// Writes: libuv keeps a handle's writes in order, so a direct write may follow a pending
// socket.write (replication streams use those); the reverse would overtake data net.Socket
// still buffers, so while it buffers any, writes go through socket.write.

import type net from 'node:net';

interface WriteRequest {
  oncomplete: (this: WriteRequest, status: number) => void;
  socket: net.Socket | null;
}

interface StreamHandle {
  writeLatin1String(req: WriteRequest, text: string): number;
  readonly writeQueueSize: number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

const binding = loadStreamWrap();

function loadStreamWrap(): StreamWrapBinding | null {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number') {
      return b as StreamWrapBinding;
    }
  } catch {
    // A Node without the binding: net.Socket's write is used.
  }
  return null;
}

const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Delivers the socket's input to `onChunk`: with Node's internals, a view of the shared buffer
 * valid until it returns. End of input and errors go through net.Socket's events as before.
 */
export function readSocket(socket: net.Socket, onChunk: (chunk: Buffer) => void): void {
  const symbols = Object.getOwnPropertySymbols(socket);
  const kBuffer = symbols.find((s) => s.description === 'kBuffer');
  const kBufferCb = symbols.find((s) => s.description === 'kBufferCb');
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } | null })._handle;
  if (!kBuffer || !kBufferCb || typeof handle?.useUserBuffer !== 'function') {
    socket.on('data', onChunk);
    return;
  }
  const s = socket as unknown as Record<symbol, unknown>;
  s[kBuffer] = sharedReadBuffer;
  s[kBufferCb] = (nread: number) => {
    onChunk(sharedReadBuffer.subarray(0, nread));
  };
  handle.useUserBuffer(sharedReadBuffer);
}

/** A write the kernel took whole does not keep its request: the next write reuses it. */
let spareRequest: WriteRequest | null = null;

function onWriteComplete(this: WriteRequest, status: number): void {
  if (status < 0) this.socket?.destroy();
  this.socket = null;
}

function handleOf(socket: net.Socket): StreamHandle | null {
  // Null once the socket is destroyed; absent on sockets that are not net.Socket (tests).
  return (socket as unknown as { _handle?: StreamHandle | null })._handle ?? null;
}

/** Writes `text` (bytes as latin1 characters); a failed write destroys the socket. */
export function writeLatin1(socket: net.Socket, text: string): void {
  const handle = handleOf(socket);
  if (binding === null || handle === null || socket.writableLength !== 0 || typeof handle.writeLatin1String !== 'function') {
    socket.write(text, 'latin1');
    return;
  }
  let req = spareRequest;
  if (req === null) {
    req = new binding.WriteWrap();
    req.oncomplete = onWriteComplete;
  }
  req.socket = socket;
  const err = handle.writeLatin1String(req, text);
  if (binding.streamBaseState[binding.kLastWriteWasAsync] !== 0) {
    // libuv holds the rest of the text and completes the request later.
    spareRequest = null;
  } else {
    req.socket = null;
    spareRequest = req;
  }
  if (err < 0) socket.destroy();
}

/** Output bytes written but not yet taken by the kernel. */
export function queuedBytes(socket: net.Socket): number {
  const handle = handleOf(socket);
  return socket.writableLength + (handle !== null && typeof handle.writeQueueSize === 'number' ? handle.writeQueueSize : 0);
}
