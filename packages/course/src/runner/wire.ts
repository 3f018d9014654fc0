/**
 * The Jupyter wire protocol (messaging spec 5.x): how one message becomes ZeroMQ frames and back.
 *
 *   [routing ids…, "<IDS|MSG>", HMAC-SHA256 hex, header, parent_header, metadata, content, buffers…]
 *
 * The signature covers the four JSON frames in order. Received messages with a wrong signature are
 * rejected, so nothing but the kernel we started (which got the key) can feed the runner.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const DELIMITER = "<IDS|MSG>";
export const PROTOCOL_VERSION = "5.3";

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message<Content = Record<string, unknown>> {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Content;
}

export function newMessage<Content>(msgType: string, session: string, content: Content): Message<Content> {
  return {
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session,
      username: "reglab",
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: {},
    metadata: {},
    content,
  };
}

function sign(key: string, parts: readonly (string | Buffer)[]): string {
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

export function encode(key: string, message: Message<unknown>): Buffer[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((part) =>
    Buffer.from(JSON.stringify(part), "utf8"),
  );
  return [Buffer.from(DELIMITER), Buffer.from(sign(key, parts)), ...parts];
}

/** Parses frames received on any socket; throws on a missing delimiter or a bad signature. */
export function decode(key: string, frames: readonly Buffer[]): Message {
  const at = frames.findIndex((frame) => frame.toString("latin1") === DELIMITER);
  if (at < 0 || frames.length < at + 6) throw new Error("malformed Jupyter message (no delimiter or missing frames)");
  const signature = frames[at + 1];
  const parts = frames.slice(at + 2, at + 6);
  const expected = Buffer.from(sign(key, parts));
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new Error("Jupyter message with a bad HMAC signature");
  }
  const [header, parent, metadata, content] = parts.map((part) => JSON.parse(part.toString("utf8")));
  return { header, parent_header: parent, metadata, content };
}
