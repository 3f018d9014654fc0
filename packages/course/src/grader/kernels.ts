/**
 * The two kernels of a submission, each started in its own sandbox (sandbox.ts) with a control
 * folder the grader writes and the kernel only reads: the student's kernel finds its requests there,
 * the checker its channel to the grader (two FIFOs). Without a sandbox (`--unsafe-no-sandbox`) a
 * kernel works in a scratch folder on the host, under Node's permission model and the limits only.
 */
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FoundKernelSpec } from "../runner/kernelspec";
import { Kernel } from "../runner/kernel";
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

/** Starts a grading kernel; the checker's control folder gets the two FIFOs of its channel. */
export async function startGradingKernel(
  setting: KernelSetting,
  role: "student" | "checker",
  startupTimeoutMs: number,
): Promise<GradingKernel> {
  const { isolation, kernel: spec, project, node, view, memoryMb } = setting;
  const sandboxed = isolation.kind === "bubblewrap";
  // A folder of the grader's: open to the kernel's user (graded as root, another user) to read only.
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
    let kernel: Kernel;
    if (isolation.kind === "bubblewrap") {
      const plan = {
        binds: view.binds,
        nodeModules: join(project, "node_modules"),
        control,
        dataMb,
        user: isolation.setpriv ? kernelUser() : undefined,
      };
      kernel = await Kernel.start(spec, {
        cwd: KERNEL_WORK,
        env: sandboxEnv(KERNEL_WORK, [
          heap,
          ...permissionFlags(node, writable(KERNEL_WORK, KERNEL_CONTROL), "everything"),
        ]),
        inheritEnv: false,
        ipcDir: KERNEL_RUN,
        startupTimeoutMs,
        maxMessageBytes: MAX_MESSAGE_BYTES,
        wrap: (launch) => bubblewrapLaunch(isolation, plan, launch),
      });
    } else {
      // No sandbox: a scratch folder on the host is the kernel's working folder.
      const scratch = join(folder, "work");
      mkdirSync(join(scratch, "tmp"), { recursive: true });
      symlinkSync(join(project, "node_modules"), join(scratch, "node_modules"));
      const readable = [...view.binds.map((bind) => bind.target), folder, ...dataDirs(), "/usr/share"];
      kernel = await Kernel.start(spec, {
        cwd: scratch,
        env: sandboxEnv(scratch, [heap, ...permissionFlags(node, writable(scratch, control), readable)]),
        inheritEnv: false,
        ipcDir: folder,
        startupTimeoutMs,
        maxMessageBytes: MAX_MESSAGE_BYTES,
        wrap: (launch) => limitedLaunch(dataMb, launch),
      });
    }
    return {
      kernel,
      control: { host: control, kernel: sandboxed ? KERNEL_CONTROL : control },
      async dispose() {
        await kernel.shutdown();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}
