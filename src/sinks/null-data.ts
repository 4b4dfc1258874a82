import { makeBuilder, type Data, type DataType } from 'apache-arrow';

/** A column of `length` nulls with buffers sized as every reader expects, whatever the type. */
export function nullData<T extends DataType>(type: T, length: number): Data<T> {
  const builder = makeBuilder({ type, nullValues: [null] });
  for (let i = 0; i < length; i++) builder.append(null);
  return builder.finish().flush() as Data<T>;
}

/** Copy of the validity of `data` as a fresh bitmap starting at bit 0 (source data may be a slice). */
export function copyValidity(data: Data): { nullBitmap?: Uint8Array; nullCount: number } {
  const nullCount = data.nullCount;
  if (nullCount === 0) return { nullCount: 0 };
  const bitmap = new Uint8Array(((data.length + 63) & ~63) >> 3);
  for (let i = 0; i < data.length; i++) {
    if (data.getValid(i)) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap: bitmap, nullCount };
}
