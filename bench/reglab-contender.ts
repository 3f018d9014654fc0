/**
 * Contenders that load reglab: `train`, or stock `model.fit` on reglab's fast kernels
 * (argv[2] = "train" | "fit"). Prints one JSON line.
 */
import { l2, ready, tf, train } from "reglab";
import { buildCourseModel, type ContenderResult, measure, randomData, type Tf, WORKLOAD } from "./course-model";

async function main(): Promise<void> {
  const mode = process.argv[2] === "fit" ? "fit" : "train";
  const info = await ready({ quiet: true });
  const model = buildCourseModel(tf as unknown as Tf, l2(WORKLOAD.l2));
  const optimizer = tf.train.momentum(1e-3, 0.95, true);
  const { x, y } = randomData(tf as unknown as Tf);
  let epoch: () => Promise<void>;
  if (mode === "fit") {
    model.compile({ optimizer, loss: "categoricalCrossentropy" });
    epoch = async () => {
      await model.fit(x, y, { epochs: 1, batchSize: WORKLOAD.batchSize, verbose: 0 });
    };
  } else {
    epoch = async () => {
      await train(model, {
        x,
        y,
        epochs: 1,
        batchSize: WORKLOAD.batchSize,
        optimizer,
        loss: "categoricalCrossentropy",
        seed: 1,
      });
    };
  }
  const samplesPerSecond = await measure(epoch);
  const threads = info.threads === null ? "" : `, ${info.threads} thread${info.threads === 1 ? "" : "s"}`;
  const name = mode === "fit" ? `stock model.fit on reglab's kernels${threads}` : `reglab train${threads}`;
  const result: ContenderResult = { name, backend: info.backend, samplesPerSecond };
  console.log(JSON.stringify(result));
}

main();
