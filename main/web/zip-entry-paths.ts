/**
 * Where the entries of an uploaded zip land, checked before a byte is written: a zip may name one
 * path twice (both entries would stream into one file, a corrupted image), name a path as a file
 * and as a folder ('d/a' and 'd/a/b'), or hold a name no file system takes. Each is a sentence
 * naming the entry rather than the system's EISDIR, ENOTDIR or ENAMETOOLONG.
 */

/** Most bytes in one file or folder name on Linux, macOS and Windows alike. */
export const MAX_NAME_BYTES = 255;
/** Most bytes in a whole path: PATH_MAX less its NUL, on Linux and on macOS. */
const MAX_PATH_BYTES = process.platform === 'darwin' ? 1023 : 4095;

const refusal = (text: string) => `${text}; the upload was refused and nothing was kept.`;

/** A long name shown whole would bury the sentence: its start and end are enough to find it. */
export const shownEntryName = (name: string) =>
  name.length <= 80 ? name : `${name.slice(0, 40)}…${name.slice(-30)}`;

/**
 * macOS and Windows disks ignore case (and macOS the Unicode form), so 'A.png' and 'a.png' are
 * one file there; on Linux they are two.
 */
const pathKey =
  process.platform === 'linux'
    ? (path: string) => path
    : (path: string) => path.normalize('NFC').toLowerCase();

/**
 * Tracks the paths the entries so far take in the folder `dest`; `claim` answers the sentence
 * that refuses an entry whose path another entry took, or undefined when it may be written.
 */
export function createEntryPaths(dest: string) {
  /** Each path taken, as a file or as a folder, with the entry that took it. */
  const taken = new Map<string, { readonly kind: 'file' | 'folder'; readonly entry: string }>();
  return {
    claim(name: string, segments: readonly string[]): string | undefined {
      const entry = shownEntryName(name);
      const long = segments.find((s) => Buffer.byteLength(s) > MAX_NAME_BYTES);
      if (long !== undefined) {
        return refusal(
          `The zip holds the entry '${entry}', whose name '${shownEntryName(long)}' is ${Buffer.byteLength(long)} bytes long, more than the ${MAX_NAME_BYTES} a file name may have`,
        );
      }
      const path = segments.join('/');
      const pathBytes = Buffer.byteLength(dest) + 1 + Buffer.byteLength(path);
      if (pathBytes > MAX_PATH_BYTES) {
        return refusal(
          `The zip holds the entry '${entry}', whose path in the dataset folder would be ${pathBytes} bytes long, more than the ${MAX_PATH_BYTES} this system takes`,
        );
      }
      const earlier = taken.get(pathKey(path));
      if (earlier?.kind === 'file') {
        return refusal(
          earlier.entry === name
            ? `The zip holds the entry '${entry}' twice`
            : `The zip holds the entries '${shownEntryName(earlier.entry)}' and '${entry}', which are one file here`,
        );
      }
      if (earlier?.kind === 'folder') {
        return refusal(
          `The zip holds the entry '${entry}' as a file, but the entry '${shownEntryName(earlier.entry)}' needs it to be a folder`,
        );
      }
      for (let i = 1; i < segments.length; i++) {
        const folder = segments.slice(0, i).join('/');
        const above = taken.get(pathKey(folder));
        if (above?.kind === 'file') {
          return refusal(
            `The zip holds the entry '${entry}' inside '${shownEntryName(folder)}', which the entry '${shownEntryName(above.entry)}' makes a file`,
          );
        }
        if (!above) taken.set(pathKey(folder), { kind: 'folder', entry: name });
      }
      taken.set(pathKey(path), { kind: 'file', entry: name });
      return undefined;
    },
  };
}
