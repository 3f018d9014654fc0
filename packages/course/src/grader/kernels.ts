/**
 * The two processes of a submission, each started in its own sandbox (sandbox.ts) with a control
 * folder the grader writes and the process only reads: the student's kernel finds its requests there,
 * the checker (checker-process.ts) its program and its channel to the grader (two FIFOs). Without a
 * sandbox (`--unsafe-no-sandbox`) each works in a scratch folder on the host, under Node's permission
 * model and the limits only.
 */
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FoundKernelSpec } from "../runner/kernelspec";
import { Kernel, type KernelLaunch } from "../runner/kernel";
import { makeChannel } from "./answer-relay";
import type { ProjectView } from "./project-view";
import {
  bubblewrapLaunch,
  dataDirs,
  dataLimitMb,
  type Isolation,
  KERNEL_CONTROL,
  KERNEL_RUN,
  KERNEL_WORK,
  kernelUser,
  limitedLaunch,
  permissionFlags,
  sandboxEnv,
} from "./sandbox";

/** The largest message a grading kernel may send (one answer or output); ZeroMQ drops a peer that sends more. */
const MAX_MESSAGE_BYTES = 96 * 1024 * 1024;

export interface KernelSetting {
  isolation: Isolation;
  kernel: FoundKernelSpec;
  project: string;
  /** The Node binary the kernel runs on. */
  node: string | undefined;
  view: ProjectView;
  memoryMb: number;
}

export interface GradingKernel {
  kernel: Kernel;
  /** The control folder: where the grader writes, and the same folder as the kernel sees it. */
  control: { host: string; kernel: string };
  /** Shuts the kernel down and removes what the grader made for it. */
  dispose(): Promise<void>;
}

/**
 * Where a grading process runs: a folder of the grader's with the control folder in it, open to the
 * process's user (graded as root, another user) to read only; its working folder, environment, and
 * the wrapper that puts its launch in the sandbox (or under the limits alone).
 */
export interface GradingPlace {
  /** The grader's folder for this process; remove it when the process is gone. */
  folder: string;
  /** The control folder: where the grader writes, and the same folder as the process sees it. */
  control: { host: string; kernel: string };
  cwd: string;
  env: Record<string, string>;
  /** Where a kernel's sockets go. */
  ipcDir: string;
  wrap: (launch: KernelLaunch) => KernelLaunch;
}

/** Makes the place of a grading process; the checker's control folder gets the two FIFOs of its channel. */
export function gradingPlace(setting: KernelSetting, role: "student" | "checker"): GradingPlace {
  const { isolation, project, node, view, memoryMb } = setting;
  const sandboxed = isolation.kind === "bubblewrap";
  const folder = realpathSync(mkdtempSync(join(tmpdir(), `reglab-${role}-`)));
  try {
    const control = join(folder, "control");
    mkdirSync(control);
    if (sandboxed) for (const dir of [folder, control]) chmodSync(dir, 0o755);
    if (role === "checker") makeChannel(control);
    const heap = `--max-old-space-size=${memoryMb}`;
    const dataMb = dataLimitMb(node, memoryMb);
    // The student's kernel writes only its working folder; the checker also its channel's FIFO.
    const writable = (work: string, channel: string) => (role === "checker" ? [work, channel] : [work]);
    if (isolation.kind === "bubblewrap") {
      const plan = {
        binds: view.binds,
        nodeModules: join(project, "node_modules"),
        control,
        dataMb,
        user: isolation.setpriv ? kernelUser() : undefined,
      };
      return {
        folder,
        control: { host: control, kernel: KERNEL_CONTROL },
        cwd: KERNEL_WORK,
        env: sandboxEnv(KERNEL_WORK, [
          heap,
          ...permissionFlags(node, writable(KERNEL_WORK, KERNEL_CONTROL), "everything"),
        ]),
        ipcDir: KERNEL_RUN,
        wrap: (launch) => bubblewrapLaunch(isolation, plan, launch),
      };
    }
    // No sandbox: a scratch folder on the host is the process's working folder.
    const scratch = join(folder, "work");
    mkdirSync(join(scratch, "tmp"), { recursive: true });
    symlinkSync(join(project, "node_modules"), join(scratch, "node_modules"));
    const readable = [...view.binds.map((bind) => bind.target), folder, ...dataDirs(), "/usr/share"];
    return {
      folder,
      control: { host: control, kernel: control },
      cwd: scratch,
      env: sandboxEnv(scratch, [heap, ...permissionFlags(node, writable(scratch, control), readable)]),
      ipcDir: folder,
      wrap: (launch) => limitedLaunch(dataMb, launch),
    };
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

/** Starts the student's kernel in its place. */
export async function startGradingKernel(setting: KernelSetting, startupTimeoutMs: number): Promise<GradingKernel> {
  const place = gradingPlace(setting, "student");
  try {
    const kernel = await Kernel.start(setting.kernel, {
      cwd: place.cwd,
      env: place.env,
      inheritEnv: false,
      ipcDir: place.ipcDir,
      startupTimeoutMs,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      wrap: place.wrap,
    });
    return {
      kernel,
      control: place.control,
      async dispose() {
        await kernel.shutdown(false);
        rmSync(place.folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(place.folder, { recursive: true, force: true });
    throw error;
  }
}
