/**
 * Contender: reglab's `train` on the backend `ready()` picks (REGLAB_BACKEND / REGLAB_THREADS pin it),
 * the course's optimizer (SGD momentum 0.95 Nesterov, lr 1e-3). Prints one JSON line.
 */
import { COURSE_OPTIMIZER, l2, ready, tf, train } from "reglab";
import { buildCourseModel, type ContenderResult, measure, randomData, type Tf, WORKLOAD } from "./course-model";

async function main(): Promise<void> {
  const info = await ready({ quiet: true });
  const model = buildCourseModel(tf as unknown as Tf, l2(WORKLOAD.l2));
  const { x, y } = randomData(tf as unknown as Tf);
  const samplesPerSecond = await measure(async (epochs) => {
    await train(model, {
      x,
      y,
      epochs,
      batchSize: WORKLOAD.batchSize,
      optimizer: COURSE_OPTIMIZER,
      loss: "categoricalCrossentropy",
      seed: 1,
    });
  });
  const threads = info.threads === null ? "" : `, ${info.threads} thread${info.threads === 1 ? "" : "s"}`;
  const oneDNN =
    info.backend === "tensorflow" ? `, oneDNN ${process.env.TF_ENABLE_ONEDNN_OPTS === "1" ? "on" : "off"}` : "";
  const result: ContenderResult = {
    name: `reglab train, ${info.backend}${threads}${oneDNN}, Node ${process.versions.node}`,
    backend: info.backend,
    samplesPerSecond,
  };
  console.log(JSON.stringify(result));
}

main();
