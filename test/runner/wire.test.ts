import * as assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { decode, encode, newMessage } from "#course/runner/wire";

const KEY = "a0b1c2d3";

test("encode lays out the frames of the Jupyter wire protocol and signs the four JSON parts", () => {
  const message = newMessage("execute_request", "session-1", { code: "1 + 1" });
  const frames = encode(KEY, message);
  assert.equal(frames.length, 6);
  assert.equal(frames[0].toString(), "<IDS|MSG>");
  const hmac = createHmac("sha256", KEY);
  for (const part of frames.slice(2)) hmac.update(part);
  assert.equal(frames[1].toString(), hmac.digest("hex"));
  assert.deepEqual(JSON.parse(frames[2].toString()).msg_type, "execute_request");
  assert.equal(JSON.parse(frames[2].toString()).version, "5.3");
  assert.deepEqual(JSON.parse(frames[5].toString()), { code: "1 + 1" });
});

test("decode accepts routing prefixes, and rejects bad signatures and malformed messages", () => {
  const message = newMessage("status", "s", { execution_state: "idle" });
  const frames = [Buffer.from("routing-id"), ...encode(KEY, message)];
  assert.deepEqual(decode(KEY, frames).content, { execution_state: "idle" });
  assert.throws(() => decode("another key", frames), /bad HMAC signature/);
  const tampered = [...frames];
  tampered[6] = Buffer.from(JSON.stringify({ execution_state: "busy" }));
  assert.throws(() => decode(KEY, tampered), /bad HMAC signature/);
  assert.throws(() => decode(KEY, frames.slice(0, 4)), /malformed/);
  assert.throws(() => decode(KEY, [Buffer.from("no delimiter")]), /malformed/);
});
