import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Owner } from "../src/platform/embedded-postgres";

/** The repository's root, where its node_modules and configuration files are. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Runs a program to its end; a non-zero exit is reported in `code`, not thrown. */
export function runCommand(
  file: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; owner?: Owner } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024, ...options.owner },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") reject(err);
        else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}
