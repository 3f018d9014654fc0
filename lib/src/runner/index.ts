/**
 * The course runner as a library (`import { runNotebooks } from "reglab/runner"`): kept out of
 * the main entry point so that notebooks importing "reglab" do not load it.
 */
export {
  runNotebooks,
  collectNotebooks,
  DEFAULT_OUT_DIR,
  type RunOptions,
  type RunResult,
  type NotebookOutcome,
} from "./run";
export { executeNotebook, failureLine, type ExecutionResult, type ExecuteNotebookOptions } from "./execute";
export {
  cellRunInfo,
  notebookRunInfo,
  RUN_METADATA_KEY,
  type CellRunInfo,
  type CellStatus,
  type Failure,
  type FailureKind,
  type NotebookRunInfo,
} from "./run-metadata";
export { Kernel, killAllKernels, type ExecuteOutcome, type KernelStartOptions } from "./kernel";
export {
  installKernelSpec,
  findKernelSpec,
  findProjectRoot,
  kernelSearchPath,
  kernelSpecFor,
  userJupyterDir,
  DEFAULT_KERNEL_NAME,
  PROJECT_JUPYTER_DIR,
  type KernelSpec,
  type FoundKernelSpec,
  type InstallTarget,
} from "./kernelspec";
export {
  readNotebook,
  parseNotebook,
  writeNotebook,
  joinSource,
  cellTags,
  type Notebook,
  type Cell,
  type CodeCell,
  type Output,
} from "./notebook";
export {
  inferValue,
  parseParameterArgs,
  injectParameters,
  declaredParameters,
  PARAMETERS_TAG,
  INJECTED_TAG,
  type ParameterValue,
} from "./parameters";
export { OutputCollector, cellErrorMessage } from "./outputs";
export { renderReport, type ReportEntry } from "./report";
export { consoleProgress, silentProgress, type RunProgress } from "./progress";
export { encode, decode, newMessage, type Message } from "./wire";
