/** Where a command writes: the process's streams in the CLI, an array in tests. */
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}
