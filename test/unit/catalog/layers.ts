import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { sha256, type DiffId } from '../../../src/common/index.js';
import type { LayerRef } from '../../../src/image/types.js';

/** One tar entry for a test layer. A whiteout is a file named `.wh.NAME`, as in real layers. */
export type TestEntry =
  | { path: string; content: string | Buffer }
  | { path: string; symlink: string }
  | { path: string; directory: true };

/** Builds an uncompressed layer tar in memory and a LayerRef over it with the right diffID. */
export async function buildLayer(entries: TestEntry[]): Promise<LayerRef> {
  const tar = await packTar(entries);
  const diffId = sha256(tar) as unknown as DiffId;
  return {
    diffId,
    size: tar.length,
    async open() {
      return Readable.from([tar]);
    },
  };
}

async function packTar(entries: TestEntry[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const finished = new Promise<void>((resolve, reject) => {
    packer.on('end', resolve);
    packer.on('error', reject);
  });

  for (const entry of entries) {
    if ('symlink' in entry) {
      packer.entry({ name: entry.path, type: 'symlink', linkname: entry.symlink });
    } else if ('directory' in entry) {
      packer.entry({ name: entry.path, type: 'directory', mode: 0o755 });
    } else {
      packer.entry({ name: entry.path, mode: 0o644 }, Buffer.from(entry.content));
    }
  }
  packer.finalize();
  await finished;
  return Buffer.concat(chunks);
}
