/**
 * Kernel ▸ Interrupt for the library's long loops. tslab answers SIGINT by abandoning the running
 * cell's promise, but the async work behind it runs on (training keeps the CPU busy, its progress
 * line keeps counting). reglab's kernel preload counts the kernel's SIGINTs; a long loop takes an
 * InterruptWatch when it starts and awaits `checkpoint()` between steps: that gives the event loop a
 * turn (a signal is only seen then; one turn costs microseconds, a training step milliseconds) and
 * throws KeyboardInterrupt once the kernel was interrupted after the loop began. Outside a reglab
 * kernel nothing counts SIGINTs, and Ctrl-C ends the process as usual.
 */

const INTERRUPTS = Symbol.for("reglab.kernelInterrupts");
type Counted = { [INTERRUPTS]?: number };

/** Called once in the kernel (the preload): from now on SIGINT also counts as an interrupt. */
export function countInterrupts(): void {
  const global = globalThis as Counted;
  if (global[INTERRUPTS] !== undefined) return;
  global[INTERRUPTS] = 0;
  process.on("SIGINT", () => {
    global[INTERRUPTS]! += 1;
  });
}

function interruptCount(): number {
  return (globalThis as Counted)[INTERRUPTS] ?? 0;
}

/** Python's name, which a Keras user knows: the kernel was interrupted and the loop stopped. */
export class KeyboardInterrupt extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

export class InterruptWatch {
  private readonly seen = interruptCount();

  /** Between two steps of a loop: throws KeyboardInterrupt (message from `where()`) if the kernel was interrupted. */
  async checkpoint(where: () => string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (interruptCount() !== this.seen) throw new KeyboardInterrupt(where());
  }
}
