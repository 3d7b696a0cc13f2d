// Bytes as a stream of small chunks, so that characters and tags are cut across chunk boundaries.
export async function* chunked(bytes: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
