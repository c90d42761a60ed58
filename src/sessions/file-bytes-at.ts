import type { FileHandle } from "node:fs/promises";

// Bytes of a session file read at a place: the tail appended since it was read, the last byte before an append.

/** Whether the file's last byte (of `size`) is a newline: an append after a torn line starts a fresh one. */
export async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const buffer = Buffer.alloc(1);
  await handle.read(buffer, 0, 1, size - 1);
  return buffer[0] === 0x0a;
}

/** Fills `buffer` from `position` on, as far as the file goes. */
export async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, position + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
}
