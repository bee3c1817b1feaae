// Small services shared by the simulator's own tests (not exported from the package).
import { type Context, service } from "@skein/core";

export type KvProtocol = {
  put: { request: { key: string; value: number; sync: boolean }; reply: { ok: true } };
  get: { request: { key: string }; reply: { value: number | null } };
  boom: { request: { why: string }; reply: void };
  slow: { request: { delayMs: number }; reply: { done: true } };
  note: { request: { text: string }; reply: void };
};

/** A key/value service on durable storage, plus handlers that throw, stall and record. */
export const kv = service<KvProtocol>((ctx: Context) => {
  const notes: string[] = [];
  return {
    notes,
    handlers: {
      async put({ key, value, sync }) {
        ctx.storage.put(key, value);
        if (sync) await ctx.storage.sync();
        return { ok: true as const };
      },
      get: ({ key }) => ({ value: ctx.storage.get<number>(key) ?? null }),
      boom({ why }) {
        throw new Error(why);
      },
      async slow({ delayMs }) {
        await ctx.sleep(delayMs);
        return { done: true as const };
      },
      note({ text }) {
        notes.push(text);
      },
    },
  };
});

/** A service with no handlers that exposes its context, so tests can act as it. */
export const probe = service<{}>((ctx) => ({ ctx, handlers: {} }));
export type Probe = { ctx: Context };
