/**
 * Hints for Python and Keras habits in TypeScript: an error message (a TypeScript diagnostic or a
 * thrown error) that names a Python spelling gets one line saying what TensorFlow.js calls it. The
 * course's students come from Keras; these are the spellings their first cells carry over.
 */

/** A Python spelling, as error messages show it, and what TensorFlow.js (or TypeScript) uses instead. */
export interface PythonSpelling {
  /** Matched against the error message. */
  pattern: RegExp;
  /** What to write instead (the hint, after "提示 hint:"). */
  instead: string;
}

const REDUCTIONS = ["sum", "mean", "max", "min", "prod", "any", "all"].map((op): PythonSpelling => ({
  pattern: new RegExp(`\\breduce_${op}\\b`),
  instead: `TensorFlow.js 的 reduce_${op} 叫做 tf.${op}(x)（或串接寫法 x.${op}()）`,
}));

export const PYTHON_SPELLINGS: readonly PythonSpelling[] = [
  ...REDUCTIONS,
  {
    pattern: /'keras'/,
    instead:
      "TensorFlow.js 沒有 tf.keras：層在 tf.layers（tf.layers.dense），模型用 tf.sequential / tf.model，正規化器 (regularizer) 用 reglab 的 l1、l2、l1l2",
  },
  {
    pattern: /\bkernel_regularizer\b/,
    instead:
      "TensorFlow.js 的設定用駝峰式命名 (camelCase)：kernelRegularizer，例如 tf.layers.dense({ units: 64, kernelRegularizer: l2(1e-4) })",
  },
  {
    pattern: /'(?:regularizers|l1_l2)'/,
    instead:
      '正規化器 (regularizer) 從 reglab 匯入：import { l1, l2, l1l2 } from "reglab"，例如 l1l2({ l1: 1e-4, l2: 1e-4 })',
  },
  {
    pattern: /Cannot find name '(?:np|numpy|pd)'/,
    instead:
      "TypeScript 沒有 NumPy：數值用 tf 的張量 (tensor)，例如 tf.tensor([1, 2, 3])、x.sum()；一般資料用 JavaScript 陣列 (array)",
  },
  { pattern: /Cannot find name 'print'/, instead: "TypeScript 用 console.log(...) 印出" },
  { pattern: /Cannot find name 'len'/, instead: "長度：陣列用 a.length，張量用 x.shape（或 x.size 元素個數）" },
  {
    pattern: /Cannot find name 'range'/,
    instead: "range(n) 在 JavaScript 寫成 Array.from({ length: n }, (_, i) => i)",
  },
  { pattern: /Cannot find name 'True'/, instead: "TypeScript 的布林值是小寫：true / false" },
  { pattern: /Cannot find name 'False'/, instead: "TypeScript 的布林值是小寫：true / false" },
  { pattern: /Cannot find name 'None'/, instead: "Python 的 None 在 TypeScript 是 null（或 undefined）" },
  {
    pattern: /'numpy'/,
    instead: "張量的值：await x.array()（或同步的 x.arraySync()）；單一數值用 (await x.data())[0] 或 x.dataSync()[0]",
  },
  { pattern: /'constant'/, instead: "tf.constant 在 TensorFlow.js 叫做 tf.tensor(...)（或 tf.tensor2d、tf.scalar）" },
  {
    pattern: /'(?:math|nn)'/,
    instead: "TensorFlow.js 沒有 tf.math / tf.nn：運算直接在 tf 上，例如 tf.abs、tf.square、tf.relu、tf.softmax",
  },
  {
    pattern: /Promise<|'Promise</,
    instead:
      "這是 Promise：x.data() / x.array() 要加 await（await x.data()），或改用同步的 x.dataSync() / x.arraySync()",
  },
];

/** snake_case to camelCase: kernel_initializer → kernelInitializer. */
function camelCase(name: string): string {
  return name.replace(/_([a-z\d])/g, (_, letter: string) => letter.toUpperCase());
}

/** A snake_case option or property an error names: TensorFlow.js spells every one in camelCase. */
const SNAKE_CASE_NAME = /'([a-z][a-z\d]*(?:_[a-z\d]+)+)'/;

/** The hint for an error message that names a Python spelling, or undefined. */
export function pythonHint(message: string): string | undefined {
  const known = PYTHON_SPELLINGS.find(({ pattern }) => pattern.test(message));
  if (known) return `提示 hint: ${known.instead}`;
  const snake = SNAKE_CASE_NAME.exec(message);
  if (snake) return `提示 hint: TensorFlow.js 用駝峰式命名 (camelCase)：${snake[1]} 寫成 ${camelCase(snake[1])}`;
  return undefined;
}
