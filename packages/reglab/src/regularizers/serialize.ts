/**
 * Regularizers to and from `{ className, config }`, the form tfjs-layers and Keras store them in
 * (a Dense layer's `kernelRegularizer` config). Classes are looked up in tfjs' own serialization
 * registry, where reglab's regularizers register themselves, so user-registered ones work too.
 */
import * as tf from "../tf";
import { describe } from "../util/checks";
import { isRegularizer, type Regularizer } from "./regularizer";

export interface SerializedRegularizer extends tf.serialization.ConfigDict {
  className: string;
  config: tf.serialization.ConfigDict;
}

export function serializeRegularizer(regularizer: Regularizer): SerializedRegularizer {
  return { className: regularizer.getClassName(), config: regularizer.getConfig() };
}

/** A regularizer object as is, or one rebuilt from `{ className, config }`; `where` names the caller in errors. */
export function toRegularizer(where: string, value: unknown): Regularizer {
  if (isRegularizer(value)) return value;
  const serialized = value as Partial<SerializedRegularizer> | null;
  if (serialized == null || typeof serialized !== "object" || typeof serialized.className !== "string") {
    throw new Error(
      `${where} must be a regularizer such as l1(1e-4) or its { className, config }, got ${describe(value)}`,
    );
  }
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[serialized.className];
  if (!entry)
    throw new Error(
      `${where}: unknown regularizer class "${serialized.className}" (register it with tf.serialization.registerClass)`,
    );
  const [cls, fromConfig] = entry;
  const regularizer = fromConfig(cls, serialized.config ?? {});
  if (!isRegularizer(regularizer)) throw new Error(`${where}: class "${serialized.className}" is not a regularizer`);
  return regularizer;
}
