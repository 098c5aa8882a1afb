import { ImageFormatError } from '../../common/index.js';

/** rpm header tags that Bosun reads (rpmtag.h). */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
} as const;

/** rpm header data types (rpmtag.h `rpmTagType`). */
const RpmType = {
  INT32: 4,
  STRING: 6,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

const MAX_TYPE = 9;
const INDEX_ENTRY_BYTES = 16;
const PREAMBLE_BYTES = 8;
/** rpm rejects headers past these sizes too (`hdrchkTags` and `hdrchkData` in rpm's lib/header_internal.h). */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_BYTES = 0xffffff;

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

/** The index and data store of one rpm header, read with bounds checks on every access. */
export interface RpmHeader {
  /** The first string of a STRING, STRING_ARRAY or I18NSTRING tag; undefined when the tag is absent. */
  string(tag: number): string | undefined;
  /** The first value of an INT32 tag; undefined when the tag is absent. */
  int32(tag: number): number | undefined;
}

/**
 * Parses an rpm header blob as stored in the rpmdb (without the lead and header magic): a
 * big-endian index entry count and data length, then 16-byte index entries of tag, type,
 * offset and count, then the data store. Throws an ImageFormatError naming `label` when the
 * structure is inconsistent, because the blob comes from an image and may be hostile.
 */
export function parseRpmHeader(blob: Buffer, label: string): RpmHeader {
  const fail = (reason: string): never => {
    throw new ImageFormatError(`invalid rpm header ${label}: ${reason}`);
  };
  if (blob.length < PREAMBLE_BYTES) fail(`${blob.length} bytes is shorter than the 8-byte preamble`);

  const entryCount = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (entryCount === 0 || entryCount > MAX_INDEX_ENTRIES) fail(`index entry count ${entryCount} is out of range`);
  if (dataLength > MAX_DATA_BYTES) fail(`data length ${dataLength} is out of range`);

  const dataStart = PREAMBLE_BYTES + entryCount * INDEX_ENTRY_BYTES;
  if (dataStart + dataLength > blob.length) {
    fail(`index and data need ${dataStart + dataLength} bytes but the blob has ${blob.length}`);
  }
  const data = blob.subarray(dataStart, dataStart + dataLength);
  const index = readIndex(blob, entryCount, dataLength, fail);

  return {
    string(tag) {
      const entry = index.get(tag);
      if (!entry) return undefined;
      if (entry.type !== RpmType.STRING && entry.type !== RpmType.STRING_ARRAY && entry.type !== RpmType.I18NSTRING) {
        fail(`tag ${tag} has type ${entry.type}, expected a string`);
      }
      const end = data.indexOf(0, entry!.offset);
      if (end < 0) fail(`string of tag ${tag} is not NUL-terminated within the data store`);
      return data.toString('utf8', entry!.offset, end);
    },

    int32(tag) {
      const entry = index.get(tag);
      if (!entry) return undefined;
      if (entry.type !== RpmType.INT32) fail(`tag ${tag} has type ${entry.type}, expected INT32`);
      if (entry.offset + 4 > data.length) fail(`INT32 of tag ${tag} ends past the data store`);
      return data.readInt32BE(entry.offset);
    },
  };
}

function readIndex(blob: Buffer, entryCount: number, dataLength: number, fail: (reason: string) => never): Map<number, IndexEntry> {
  const index = new Map<number, IndexEntry>();
  for (let i = 0; i < entryCount; i++) {
    const at = PREAMBLE_BYTES + i * INDEX_ENTRY_BYTES;
    const tag = blob.readInt32BE(at);
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readInt32BE(at + 8);
    const count = blob.readUInt32BE(at + 12);

    if (type > MAX_TYPE) fail(`index entry ${i} (tag ${tag}) has unknown type ${type}`);
    if (offset < 0 || offset >= dataLength) fail(`index entry ${i} (tag ${tag}) has offset ${offset} outside the ${dataLength}-byte data store`);
    // Every value takes at least one byte, so a count above the data length cannot be real.
    if (count === 0 || count > dataLength) fail(`index entry ${i} (tag ${tag}) has count ${count}`);
    if (!index.has(tag)) index.set(tag, { type, offset, count });
  }
  return index;
}
