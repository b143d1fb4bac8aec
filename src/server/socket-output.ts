// Client output written straight to the socket's libuv handle, as net.Socket's own write does
// underneath, without the stream machinery around it (write requests, callbacks and a
// process.nextTick per write). That machinery cost about 5 µs of CPU per write, measured: as
// much as Redis spends on a whole unpipelined request in user space.
//
// libuv keeps a handle's writes in order, so a direct write may follow a pending socket.write
// (replication streams use those); the reverse would overtake data net.Socket still buffers,
// so while it buffers any, writes go through socket.write.

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
