/**
 * `npm start`: trains the course's model (build_mlp 512-256-128, L2 1e-4 on the hidden kernels,
 * SGD momentum 0.95 Nesterov) on a small seeded synthetic set shaped like flattened CIFAR-10, and
 * prints, per epoch, what Keras would lump together as "loss": the data loss, the penalty and the
 * cost, for training and validation.
 */
import { buildMLP, type History, l2, makeBlobs, ready, tf, train } from "reglab";

const EPOCHS = 8;

function table(history: History): string {
  const columns: Array<[string, number[] | undefined]> = [
    ["loss", history.loss],
    ["penalty", history.penalty],
    ["cost", history.cost],
    ["val_loss", history.val_loss],
    ["val_penalty", history.val_penalty],
    ["val_cost", history.val_cost],
    ["acc", history.acc],
    ["val_acc", history.val_acc],
  ];
  const header = ["epoch", ...columns.map(([name]) => name)].map((c) => c.padStart(12)).join("");
  const rows = history.epoch.map((e) =>
    [String(e + 1), ...columns.map(([, values]) => (values ? values[e].toFixed(4) : "-"))].map((c) => c.padStart(12)).join(""),
  );
  return [header, ...rows].join("\n");
}

async function main(): Promise<void> {
  await ready();
  const data = makeBlobs({ samples: 2560, features: 3072, classes: 10, noise: 24, separation: 24, seed: 1 });
  const [xTrain, xVal] = tf.split(data.x, [2048, 512]);
  const [yTrain, yVal] = tf.split(data.y, [2048, 512]);
  const model = buildMLP({ inputShape: 3072, kernelRegularizer: l2(1e-4), seed: 81 });
  console.log(`\nCourse MLP (3072-512-256-128-10, ${model.countParams().toLocaleString("en")} parameters), L2 1e-4 on hidden kernels,`);
  console.log(`SGD lr 1e-3 momentum 0.95 Nesterov, batch 256, ${EPOCHS} epochs on 2,048 synthetic samples (512 for validation).\n`);
  const started = performance.now();
  const { history } = await train(model, {
    x: xTrain,
    y: yTrain,
    validationData: [xVal, yVal],
    epochs: EPOCHS,
    batchSize: 256,
    optimizer: tf.train.momentum(1e-3, 0.95, true),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
    seed: 81,
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(table(history));
  console.log(`\ncost = loss + penalty; Keras reports the cost as "loss". Trained in ${seconds.toFixed(1)} s.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
