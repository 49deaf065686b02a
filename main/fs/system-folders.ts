import { statfs } from 'node:fs/promises';
import { sep } from 'node:path';

/**
 * File systems that hold no files of ours (statfs types): Node's recursive mkdir spins forever
 * on /proc, a "folder" made in the others is gone or meaningless, and their "files" (such as
 * /proc/self/mem) answer reads with errors that look like a failing disk.
 */
const SYSTEM_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'the process table /proc'],
  [0x62656572, 'the kernel objects /sys'],
  [0x1cd1, 'the terminals /dev/pts'],
  [0x27e0eb, 'the control groups'],
  [0x63677270, 'the control groups'],
  [0x64626720, 'the kernel debug files'],
  [0x74726163, 'the kernel trace files'],
  [0x73636673, 'the kernel security files'],
  [0xcafe4a11, 'the kernel BPF files'],
]);

/**
 * The system file system `path` (which exists) is on, for a sentence ("the process table
 * /proc"), or undefined for a file on disk.
 */
export async function systemFileSystemOf(path: string): Promise<string | undefined> {
  return SYSTEM_FILE_SYSTEMS.get((await statfs(path).catch(() => undefined))?.type ?? 0);
}

/**
 * Where a new file or folder in the existing folder `parent` would be, when that is no place for
 * one: a system file system, or /dev (whose tmpfs takes a folder that means nothing there).
 */
export async function systemFolderOf(parent: string): Promise<string | undefined> {
  if (process.platform === 'linux' && (parent === '/dev' || parent.startsWith(`/dev${sep}`))) {
    return 'the devices /dev';
  }
  return systemFileSystemOf(parent);
}
