/**
 * A tiny in-memory object store behind the simulated S3 GET handler: keys to object sizes and
 * a deterministic byte pattern, so a body can be produced without reading files.
 */
export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
}

export class ObjectCatalog {
  private objects = new Map<string, ObjectInfo>();

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const key = `photos/2026/${String(i).padStart(5, '0')}.jpg`;
      // sizes from 512 B to 2.5 KiB, repeating
      const size = 512 + ((i * 1543) % 2048);
      this.objects.set(key, { key, size, etag: `"${(i * 2654435761) >>> 0}"` });
    }
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  lookup(key: string): ObjectInfo | undefined {
    return this.objects.get(key);
  }

  /** Byte `offset` of the object's content. */
  byteAt(info: ObjectInfo, offset: number): number {
    return (offset * 31 + info.size) & 0xff;
  }
}
