/** The most a message kept in one piece may have; past it, pieces of about this size. */
export const PIECE_BYTES = 256 * 1024;

export function rawLength(chunks: readonly Buffer[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

/**
 * The message in pieces of at least PIECE_BYTES (the last may be shorter), each joined
 * only when it is written, so that at most one piece is copied at a time.
 */
export function* piecesOf(chunks: readonly Buffer[]): Generator<Buffer> {
  let group: Buffer[] = [];
  let size = 0;
  for (const chunk of chunks) {
    group.push(chunk);
    size += chunk.length;
    if (size >= PIECE_BYTES) {
      yield group.length === 1 ? group[0]! : Buffer.concat(group, size);
      group = [];
      size = 0;
    }
  }
  if (group.length > 0) yield group.length === 1 ? group[0]! : Buffer.concat(group, size);
}
