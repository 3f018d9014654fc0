/**
 * One Jupyter kernel started from its kernelspec and driven over ZeroMQ (the `zeromq` package tslab
 * itself uses): connection file with fresh ports and key, kernel_info handshake, execute requests
 * with their iopub outputs, interrupt, shutdown. The kernel process is watched, so a kernel that dies
 * mid-cell ends that cell at once instead of waiting for a timeout.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import type { Dealer, Subscriber } from "zeromq";
import { type FoundKernelSpec, kernelSpecRuntime } from "./kernelspec";
import { channelAddress } from "./tslab";

/** How long a cell of Deno's kernel may still send output after its "idle" (see execute). */
const DENO_LATE_OUTPUT_MS = 500;
import { decode, encode, type Message, newMessage } from "./wire";

/** How a kernel process is started: its command line, environment and working folder. */
export interface KernelLaunch {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /** The connection file, written before the process starts; a launcher that delivers it itself drops it. */
  connectionFile?: { path: string; content: string };
  /** Data the process reads from file descriptors 3, 4, …: each a pipe closed after its data. */
  fdInputs?: Uint8Array[];
  /**
   * The kernel runs in a file system of its own (a sandbox): the launcher writes JSON status lines to
   * file descriptor `statusFd` (bubblewrap's --json-status-fd), whose "child-pid" is the kernel, and
   * the kernel's sockets are reached from here under /proc/<that pid>/root.
   */
  contained?: { statusFd: number };
}

export interface KernelStartOptions {
  /** The kernel's working directory: the notebook's folder, as Jupyter does. */
  cwd: string;
  /** Extra environment for the kernel process (added to this process's environment and the spec's). */
  env?: Record<string, string>;
  /** Start from this process's environment (default true); false: only the spec's env and `env`. */
  inheritEnv?: boolean;
  /** How long the kernel may take to answer kernel_info, in ms (default 60 s). */
  startupTimeoutMs?: number;
  /**
   * Talk to the kernel over unix sockets in this folder (which also gets the connection file)
   * instead of TCP on localhost, so a kernel without any network can still be reached. The folder
   * must exist until shutdown and is not removed.
   */
  ipcDir?: string;
  /** The largest message accepted from the kernel (ZeroMQ drops a peer that sends more); default no limit. */
  maxMessageBytes?: number;
  /** Rewrites the launch, e.g. to start the kernel inside a sandbox. */
  wrap?: (launch: KernelLaunch) => KernelLaunch;
}

export interface ExecuteOptions {
  /** Per-cell limit in ms; on expiry the kernel is interrupted, then killed if it does not stop. */
  timeoutMs?: number;
  /** How long an interrupted cell may take to stop before the kernel is killed (default 5 s). */
  interruptGraceMs?: number;
  /** Called with every iopub message this request caused, in order. */
  onIopub?: (message: Message) => void;
}

export type ExecuteStatus = "ok" | "error" | "abort" | "timeout" | "dead";

export interface ExecuteOutcome {
  status: ExecuteStatus;
  executionCount?: number;
  /** For "dead": how the process ended. */
  exit?: string;
  /** For "timeout": the interrupt did not stop the cell, so the kernel was killed. */
  killed?: boolean;
}

interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

const STDERR_TAIL = 4000;

/** Kernel processes this process started and that still run, for killAllKernels. */
const liveKernels = new Set<ChildProcess>();

/** Kills every kernel still running (used when the runner itself is interrupted). */
export function killAllKernels(): void {
  for (const child of liveKernels) child.kill("SIGKILL");
}

/**
 * Starts a launch: stdout and stderr piped, stdin as asked, each of its `fdInputs` written to file
 * descriptors 3, 4, … and closed, then `extraPipes` more pipes (a status descriptor).
 */
export function spawnLaunch(launch: KernelLaunch, stdin: "ignore" | "pipe", extraPipes = 0): ChildProcess {
  const inputs = launch.fdInputs ?? [];
  const child = spawn(launch.argv[0], launch.argv.slice(1), {
    cwd: launch.cwd,
    env: launch.env,
    stdio: [
      stdin,
      "pipe",
      "pipe",
      ...inputs.map(() => "pipe" as const),
      ...Array.from({ length: extraPipes }, () => "pipe" as const),
    ],
  });
  inputs.forEach((data, i) => {
    const pipe = child.stdio[3 + i] as Writable | null;
    pipe?.on("error", () => {}); // a process that never reads it (it failed to start) is reported by its caller
    pipe?.end(data);
  });
  return child;
}

/** A process that must end with the kernels (the grader's checker): killAllKernels kills it too. */
export function killWithKernels(child: ChildProcess): void {
  liveKernels.add(child);
  child.on("exit", () => liveKernels.delete(child));
}

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * The pid of a contained kernel, from the first status line its launcher writes on `fd`
 * (`{ "child-pid": N, … }`); rejects if the launcher exits or stays silent first.
 */
function containedPid(child: ChildProcess, fd: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = "";
    const stream = child.stdio[fd] as NodeJS.ReadableStream | null;
    const timer = setTimeout(
      () => finish(new Error(`the sandbox did not start the kernel within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const finish = (result: number | Error) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      if (typeof result === "number") resolve(result);
      else reject(result);
    };
    const onExit = (code: number | null, signal: string | null) => {
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      setTimeout(
        () =>
          finish(
            new Error(
              `the sandbox exited (${signal ?? `code ${code}`}) before starting the kernel: ${stderr.trim().split("\n").pop() ?? ""}`,
            ),
          ),
        50,
      );
    };
    child.on("exit", onExit);
    stream?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      for (const line of text.split("\n")) {
        const pid = (/"child-pid":\s*(\d+)/.exec(line) ?? [])[1];
        if (pid) return finish(Number(pid));
      }
    });
  });
}

/** Waits until each path is a unix socket (not a link to one); rejects if `child` exits or time runs out. */
async function socketsBound(paths: readonly string[], child: ChildProcess, deadline: number): Promise<void> {
  for (;;) {
    const bound = paths.every((path) => {
      try {
        return lstatSync(path).isSocket();
      } catch {
        return false;
      }
    });
    if (bound) return;
    if (child.exitCode !== null || child.signalCode !== null) return; // the handshake reports how it ended
    if (Date.now() > deadline) throw new Error("the kernel did not open its sockets in time");
    await delay(20);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}

export class Kernel {
  /** kernel_info_reply content (language_info, implementation, banner…). */
  info: Record<string, unknown> = {};
  private readonly session = randomUUID();
  private readonly replies = new Map<string, (message: Message) => void>();
  private readonly iopubHandlers = new Map<string, (message: Message) => void>();
  private stderrTail = "";
  private exitDescription: string | undefined;
  private readonly exited: Promise<string>;
  private closed = false;

  private constructor(
    readonly spec: FoundKernelSpec,
    private readonly process: ChildProcess,
    private readonly connection: ConnectionInfo,
    private readonly shell: Dealer,
    private readonly control: Dealer,
    private readonly iopub: Subscriber,
    /** A folder this kernel made for its connection file, removed at shutdown. */
    private readonly ownDir: string | undefined,
    /** The kernel's own process (in a sandbox, the launcher's child), which gets SIGINT. */
    private readonly kernelPid: number | undefined,
  ) {
    process.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    process.stdout?.resume();
    liveKernels.add(process);
    this.exited = new Promise((settle) => {
      process.on("exit", (code, signal) => {
        liveKernels.delete(process);
        this.exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
        settle(this.exitDescription);
      });
      process.on("error", (error) => {
        liveKernels.delete(process);
        this.exitDescription = `could not start: ${error.message}`;
        settle(this.exitDescription);
      });
    });
    this.listen(shell, (message) => this.replies.get(message.parent_header.msg_id ?? "")?.(message));
    this.listen(control, (message) => this.replies.get(message.parent_header.msg_id ?? "")?.(message));
    this.listen(iopub, (message) => this.iopubHandlers.get(message.parent_header.msg_id ?? "")?.(message));
  }

  /** Starts the kernel and waits until it answers kernel_info and its iopub channel is live. */
  static async start(spec: FoundKernelSpec, options: KernelStartOptions): Promise<Kernel> {
    const zmq = await import("zeromq");
    const ipc = options.ipcDir !== undefined;
    const ports = ipc ? [1, 2, 3, 4, 5] : await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const ownDir = ipc ? undefined : mkdtempSync(join(tmpdir(), "reglab-kernel-"));
    const dir = options.ipcDir ?? ownDir!;
    const connection: ConnectionInfo = {
      transport: ipc ? "ipc" : "tcp",
      ip: ipc ? join(dir, "k") : "127.0.0.1",
      shell_port: ports[0],
      iopub_port: ports[1],
      stdin_port: ports[2],
      control_port: ports[3],
      hb_port: ports[4],
      key: randomBytes(32).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: spec.name,
    };
    const connectionFile = join(dir, "connection.json");
    const plain: KernelLaunch = {
      argv: spec.spec.argv.map((arg) =>
        arg.replaceAll("{connection_file}", connectionFile).replaceAll("{resource_dir}", spec.dir),
      ),
      env: { ...(options.inheritEnv === false ? {} : process.env), ...spec.spec.env, ...options.env },
      cwd: options.cwd,
      connectionFile: { path: connectionFile, content: JSON.stringify(connection) },
    };
    const launch = options.wrap ? options.wrap(plain) : plain;
    if (launch.connectionFile)
      writeFileSync(launch.connectionFile.path, launch.connectionFile.content, { mode: 0o600 });
    const child = spawnLaunch(launch, "ignore", launch.contained ? 1 : 0);
    let kernelPid = child.pid;
    let socketBase = connection.ip;
    const socketOptions: { linger: number; maxMessageSize?: number; reconnectInterval?: number } = { linger: 0 };
    if (options.maxMessageBytes !== undefined) socketOptions.maxMessageSize = options.maxMessageBytes;
    if (launch.contained) {
      const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
      kernelPid = await containedPid(child, launch.contained.statusFd, deadline - Date.now());
      socketBase = `/proc/${kernelPid}/root${connection.ip}`;
      // The kernel's sockets live in its own file system, which code in it may later change: connect
      // once they are there, to the sockets themselves, and never reconnect (a path swapped for a
      // symlink later would lead out of the sandbox).
      await socketsBound(
        [connection.shell_port, connection.iopub_port, connection.control_port].map((port) => `${socketBase}:${port}`),
        child,
        deadline,
      );
      socketOptions.reconnectInterval = -1;
    }
    const address = (port: number) => channelAddress(connection.transport, socketBase, port);
    const shell = new zmq.Dealer(socketOptions);
    const control = new zmq.Dealer(socketOptions);
    const iopub = new zmq.Subscriber(socketOptions);
    shell.connect(address(connection.shell_port));
    control.connect(address(connection.control_port));
    iopub.connect(address(connection.iopub_port));
    iopub.subscribe();
    const kernel = new Kernel(spec, child, connection, shell, control, iopub, ownDir, kernelPid);
    try {
      await kernel.handshake(options.startupTimeoutMs ?? 60_000);
    } catch (error) {
      await kernel.shutdown();
      throw error;
    }
    // The kernel has read its key: code run in it later finds no connection file to sign messages with.
    if (launch.connectionFile) rmSync(launch.connectionFile.path, { force: true });
    return kernel;
  }

  /** "exited with code 0", "killed by SIGKILL"… once the process has ended. */
  get exit(): string | undefined {
    return this.exitDescription;
  }

  /** The last lines the kernel process wrote to its own stderr (outside any cell). */
  get stderr(): string {
    return this.stderrTail;
  }

  private listen(socket: Dealer | Subscriber, handle: (message: Message) => void): void {
    void (async () => {
      try {
        for await (const frames of socket) {
          let message: Message;
          try {
            message = decode(this.connection.key, frames);
          } catch {
            continue; // unsigned or malformed: not from our kernel, ignore
          }
          handle(message);
        }
      } catch {
        // socket closed
      }
    })();
  }

  /**
   * Sends kernel_info until both its reply and an iopub message for it arrive: a SUB socket misses
   * what was published before its subscription reached the kernel (ZeroMQ's "slow joiner").
   */
  private async handshake(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let replied = false;
    let published = false;
    const ids: string[] = [];
    try {
      while (!(replied && published)) {
        if (this.exitDescription) {
          const detail = this.stderrTail.trim().split("\n").slice(-3).join(" | ");
          throw new Error(
            `kernel "${this.spec.name}" ${this.exitDescription} while starting${detail ? `: ${detail}` : ""}`,
          );
        }
        if (Date.now() > deadline) {
          throw new Error(
            `kernel "${this.spec.name}" did not answer within ${Math.round(timeoutMs / 1000)} s of starting`,
          );
        }
        const request = newMessage("kernel_info_request", this.session, {});
        ids.push(request.header.msg_id);
        this.replies.set(request.header.msg_id, (reply) => {
          replied = true;
          this.info = reply.content;
        });
        this.iopubHandlers.set(request.header.msg_id, () => (published = true));
        await this.shell.send(encode(this.connection.key, request));
        await Promise.race([delay(250), this.exited]);
      }
    } finally {
      for (const id of ids) {
        this.replies.delete(id);
        this.iopubHandlers.delete(id);
      }
    }
  }

  /**
   * Runs one cell. Resolves when the reply and the kernel's "idle" status for it have both arrived,
   * so every output of the cell has been delivered to onIopub.
   */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
    if (this.exitDescription) return { status: "dead", exit: this.exitDescription };
    const request = newMessage("execute_request", this.session, {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    const id = request.header.msg_id;
    let markIdle!: () => void;
    const idle = new Promise<void>((done) => (markIdle = done));
    const reply = new Promise<Message>((done) => this.replies.set(id, done));
    this.iopubHandlers.set(id, (message) => {
      if (message.header.msg_type === "status") {
        if (message.content.execution_state === "idle") markIdle();
        return;
      }
      options.onIopub?.(message);
    });
    const died = this.exited.then((exit): ExecuteOutcome => ({ status: "dead", exit }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((done) => {
      if (options.timeoutMs !== undefined) timer = setTimeout(() => done("timeout"), options.timeoutMs);
    });
    try {
      await this.shell.send(encode(this.connection.key, request));
      const first = await Promise.race([reply, died, timedOut]);
      if (first === "timeout") return await this.stopRunawayCell(reply, options.interruptGraceMs ?? 5000);
      if ("status" in first) return first;
      // The reply can overtake the last outputs: wait for "idle", which the kernel publishes after them.
      const afterReply = await Promise.race([
        idle.then(() => "idle" as const),
        died,
        delay(10_000).then(() => "late" as const),
      ]);
      if (typeof afterReply === "object") return afterReply;
      // Deno's kernel forwards console output asynchronously: a cell's last lines can follow its
      // "idle" (seen: the last line of a long cell lost). They still name this request, so wait for them.
      if (kernelSpecRuntime(this.spec.spec) === "deno") await delay(DENO_LATE_OUTPUT_MS);
      const status = String(first.content.status ?? "error");
      return {
        status: status === "ok" || status === "abort" ? status : "error",
        executionCount: typeof first.content.execution_count === "number" ? first.content.execution_count : undefined,
      };
    } finally {
      clearTimeout(timer);
      this.replies.delete(id);
      this.iopubHandlers.delete(id);
    }
  }

  /** Interrupts a cell past its time; kills the kernel if the interrupt does not end it. */
  private async stopRunawayCell(reply: Promise<Message>, graceMs: number): Promise<ExecuteOutcome> {
    await this.interrupt();
    const stopped = await Promise.race([
      reply.then(() => true),
      this.exited.then(() => true),
      delay(graceMs).then(() => false),
    ]);
    if (!stopped) await this.kill();
    return { status: "timeout", killed: !stopped };
  }

  async interrupt(): Promise<void> {
    if (this.exitDescription) return;
    if (this.spec.spec.interrupt_mode === "message") {
      await this.control.send(encode(this.connection.key, newMessage("interrupt_request", this.session, {})));
    } else {
      try {
        if (this.kernelPid !== undefined) process.kill(this.kernelPid, "SIGINT");
      } catch {
        // already gone: the exit handler reports it
      }
    }
  }

  private async kill(): Promise<void> {
    if (this.exitDescription) return;
    this.process.kill("SIGKILL");
    await this.exited;
  }

  /**
   * Asks the kernel to shut down, then terminates it if it lingers — or, `graceful: false`, kills it at
   * once (a grading kernel has nothing to save) —; always releases sockets and files.
   */
  async shutdown(graceful = true): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!graceful) await this.kill();
    if (!this.exitDescription) {
      await this.control.send(
        encode(this.connection.key, newMessage("shutdown_request", this.session, { restart: false })),
      );
      if (!(await Promise.race([this.exited.then(() => true), delay(2000).then(() => false)]))) {
        this.process.kill("SIGTERM");
        if (!(await Promise.race([this.exited.then(() => true), delay(2000).then(() => false)]))) await this.kill();
      }
    }
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
    if (this.ownDir) rmSync(this.ownDir, { recursive: true, force: true });
  }
}
