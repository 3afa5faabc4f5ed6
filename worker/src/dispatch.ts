// The campaign queue's consumer. For each batch, per campaign: the campaign object says which
// contacts are still to send (claim); they go out in chunks paced to the number's rate: a chunk
// is re-gated with the edge's current state (gate.ts `gateMany`: a STOP since the preflight
// blocks its contact; the number's throughput tokens and each recipient's pair token taken), its
// contacts are marked `sending` (begin) and only then forwarded; each chunk's outcomes are
// recorded as it ends, and a campaign-wide failure halts the batch's unsent contacts at once.
//
// Pacing: the phone number object's bucket is the limit every consumer shares; a bucket lets a
// full second's worth through at once on top of its refill, so the consumer also spaces its own
// calls at PACE_SHARE of the rate: any 1 s window then holds at most the number's rate.
import { checkSends, classifyFailure } from "sendgate";
import type { Verdict } from "sendgate";
import { configuredMps, forwardOnce, gateChunk, numberFailed, type ContactsGate } from "./campaign_edge.ts";
import { config, type CampaignMessage, type Env } from "./env.ts";
import { campaignStub, MAX_QUEUE_DELAY_S, type ClaimItem, type ClaimResult, type DispatchResult, type Disposition, type Recorded } from "./objects/campaign.ts";

/** Share of the number's rate one consumer paces itself to (headroom for network jitter). */
const PACE_SHARE = 0.9;
/** A chunk covers this much time at the paced rate. */
const CHUNK_MS = 100;
/** Chunks sent but not yet recorded, at most (about a second of sends at the paced rate). */
const MAX_CHUNKS_IN_FLIGHT = 10;
/** A batch hands what it could not send in this time back to the queue. */
const BATCH_BUDGET_MS = 60_000;

/** Next free send slot per phone number, in this isolate. */
const nextSlot = new Map<string, number>();

/** The next send slot of the number (slots are `spacing` apart, never in the past). */
function takeSlot(pnid: string, spacing: number): number {
  const at = Math.max(nextSlot.get(pnid) ?? 0, Date.now());
  nextSlot.set(pnid, at + spacing);
  return at;
}

/** A send this late for its slot takes a new one. */
const LATE_MS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Msg = Message<CampaignMessage>;

function validBody(b: unknown): b is CampaignMessage {
  const m = b as CampaignMessage;
  return typeof m === "object" && m !== null && typeof m.w === "string" && typeof m.c === "string" && Number.isInteger(m.s);
}

function dispose(msgs: Map<number, Msg[]>, d: Disposition): void {
  for (const m of msgs.get(d.seq) ?? []) {
    if (d.retry_s === null) m.ack();
    else m.retry({ delaySeconds: Math.min(MAX_QUEUE_DELAY_S, Math.max(0, Math.ceil(d.retry_s))) });
  }
  msgs.delete(d.seq);
}

export async function dispatchBatch(batch: MessageBatch<CampaignMessage>, env: Env): Promise<void> {
  const groups = new Map<string, { w: string; c: string; msgs: Map<number, Msg[]> }>();
  for (const m of batch.messages) {
    if (!validBody(m.body)) {
      console.error("campaign queue: message without a campaign contact, dropped");
      m.ack();
      continue;
    }
    const k = `${m.body.w}:${m.body.c}`;
    let g = groups.get(k);
    if (!g) {
      g = { w: m.body.w, c: m.body.c, msgs: new Map() };
      groups.set(k, g);
    }
    // The same contact twice in a batch (an at-least-once duplicate) shares one decision.
    g.msgs.set(m.body.s, [...(g.msgs.get(m.body.s) ?? []), m]);
  }
  await Promise.all([...groups.values()].map((g) => dispatchCampaign(env, g.w, g.c, g.msgs)));
}

async function dispatchCampaign(env: Env, workspace: string, campaignId: string, msgs: Map<number, Msg[]>): Promise<void> {
  const stub = campaignStub(env, workspace, campaignId);
  try {
    let claim: ClaimResult;
    try {
      // RPC results are typed through Rpc.Serializable, which loses the request's shape.
      claim = (await stub.claim([...msgs.keys()])) as unknown as ClaimResult;
    } catch (e) {
      console.error("campaign claim failed", e instanceof Error ? e.message : String(e));
      for (const list of msgs.values()) for (const m of list) m.retry({ delaySeconds: 5 });
      return;
    }
    const todo: Extract<ClaimItem, { action: "send" }>[] = [];
    for (const it of claim.items) {
      if (it.action === "skip") dispose(msgs, { seq: it.seq, retry_s: null });
      else todo.push(it);
    }
    const pnid = claim.spec.phone_number_id;
    const cfg = config(env);
    let mps = configuredMps(cfg, pnid);
    const started = Date.now();
    const chunks: Promise<boolean>[] = [];
    const ctl: Control = { halted: false, calling: 0, waiting: [] };
    let stopped = false;
    while (todo.length > 0 && !stopped && !ctl.halted) {
      if (Date.now() - started > BATCH_BUDGET_MS) {
        const rest = todo.splice(0).map((it): DispatchResult => ({ seq: it.seq, kind: "requeue", delay_s: 1 }));
        for (const d of (await stub.record(rest)).dispositions) dispose(msgs, d);
        break;
      }
      const spacing = 1000 / (mps * PACE_SHARE);
      const n = Math.max(1, Math.min(todo.length, Math.floor(CHUNK_MS / spacing)));
      const chunk = todo.splice(0, n);
      const slots = chunk.map(() => takeSlot(pnid, spacing));
      const run = sendChunk(env, stub, pnid, chunk, slots, spacing, ctl).then(async (r) => {
        if (r.mps) mps = r.mps;
        for (const d of r.dispositions) dispose(msgs, d);
        if (!r.running) stopped = true;
        return r.running;
      });
      chunks.push(run);
      // Prepare the next chunk while this one's last slot comes up.
      const wait = slots[slots.length - 1] - Date.now() - CHUNK_MS / 2;
      if (wait > 0) await sleep(wait);
      // Bounded work in flight (a slow Meta slows the campaign down instead of piling up).
      if (chunks.length >= MAX_CHUNKS_IN_FLIGHT) await chunks[chunks.length - MAX_CHUNKS_IN_FLIGHT];
    }
    await Promise.all(chunks);
    if (todo.length > 0 && ctl.halted && !stopped) {
      // Halted by a failure the campaign object may not have recorded yet: it decides.
      const rest = todo.splice(0).map((it): DispatchResult => ({ seq: it.seq, kind: "requeue", delay_s: 1 }));
      for (const d of ((await stub.record(rest)) as Recorded).dispositions) dispose(msgs, d);
    }
    if (stopped && todo.length > 0) {
      // The campaign stopped (paused or cancelled): the object keeps these contacts.
      for (const it of todo) dispose(msgs, { seq: it.seq, retry_s: null });
    }
  } catch (e) {
    console.error("campaign dispatch failed", e instanceof Error ? e.stack : String(e));
  } finally {
    // Anything not disposed of (an error above) is delivered again; duplicates are harmless.
    for (const list of msgs.values()) for (const m of list) m.retry({ delaySeconds: 2 });
  }
}

interface ChunkResult {
  dispositions: Disposition[];
  running: boolean;
  mps: number | null;
}

/** Shared by a campaign's chunks in one batch: set when a send hits a campaign-wide failure, so
 *  the sends still waiting for their slot stay unsent. */
interface Control {
  halted: boolean;
  /** Calls to Meta awaiting an answer, and the sends queued behind them. */
  calling: number;
  waiting: (() => void)[];
}

/** Calls to Meta one campaign's batch has open at once: bounds what is already on its way when
 *  a failure stops the campaign (rate × Meta's latency, at most this), and makes a slow Meta
 *  slow the campaign instead of piling up requests. 16 calls at 20 ms carry 800 msg/s. */
const MAX_CALLS = 16;

async function call<T>(ctl: Control, fn: () => Promise<T>): Promise<T> {
  while (ctl.calling >= MAX_CALLS) await new Promise<void>((r) => ctl.waiting.push(r));
  ctl.calling++;
  try {
    return await fn();
  } finally {
    ctl.calling--;
    ctl.waiting.shift()?.();
  }
}

async function sendChunk(
  env: Env,
  stub: ReturnType<typeof campaignStub>,
  pnid: string,
  chunk: Extract<ClaimItem, { action: "send" }>[],
  slots: number[],
  spacing: number,
  ctl: Control,
): Promise<ChunkResult> {
  const results: DispatchResult[] = [];
  let gated: ContactsGate;
  try {
    gated = await gateChunk(env, chunk.map((it) => it.request), pnid);
  } catch (e) {
    for (const it of chunk) results.push({ seq: it.seq, kind: "error", message: e instanceof Error ? e.message : String(e) });
    const recorded = (await stub.record(results)) as Recorded;
    return { dispositions: recorded.dispositions, running: recorded.state === "running", mps: null };
  }
  const answers = checkSends(gated.contacts.map((c) => c.request));
  let tokens = gated.throughput.taken;
  const toSend: { it: (typeof chunk)[number]; i: number; slot: number; verdict: Verdict }[] = [];
  const notSent: number[] = [];
  answers.forEach((a, i) => {
    const it = chunk[i];
    const c = gated.contacts[i];
    if ("error" in a) {
      // The request was valid at preflight; edge state made it unreadable (should not happen).
      const cl = classifyFailure("UNKNOWN");
      cl.details = `${a.error.path}: ${a.error.message}`;
      notSent.push(i);
      results.push({ seq: it.seq, kind: "blocked", finding: { reason: cl.reason, title: cl.title, category: cl.category, message: cl.details, resolution: cl.resolution }, to: null });
      return;
    }
    if (!a.eligible) {
      notSent.push(i);
      const f = a.blockers[0];
      const scope = f ? classifyFailure(f.reason).scope : "message";
      if (f && (scope === "template" || scope === "phone_number" || scope === "account")) {
        ctl.halted = true;
        results.push({ seq: it.seq, kind: "hold", finding: f, scope });
      } else results.push({ seq: it.seq, kind: "blocked", finding: f ?? null, to: a.to });
      return;
    }
    if (!c.pair.ok || tokens === 0) {
      notSent.push(i);
      results.push({ seq: it.seq, kind: "requeue", delay_s: Math.max(1, !c.pair.ok ? c.pair.retry_after : gated.throughput.retry_after) });
      return;
    }
    tokens--;
    toSend.push({ it, i, slot: slots[i], verdict: a });
  });
  await gated.refund(tokens, notSent);
  let failedNumber = false;
  const begun = new Set(toSend.length ? await stub.begin(toSend.map((x) => x.it.seq)) : []);
  const lost = toSend.filter((x) => !begun.has(x.it.seq));
  // Taken by another delivery, or the campaign stopped: not this consumer's to send.
  if (lost.length) await gated.refund(lost.length, lost.map((x) => x.i));
  const acceptedHere: { index: number; verdict: Verdict }[] = [];
  const sends = toSend.filter((x) => begun.has(x.it.seq)).map(async (x) => {
    const wait = x.slot - Date.now();
    if (wait > 0) await sleep(wait);
    const r = await call(ctl, async () => {
      // Held up past its slot (by the bound on open calls): a new slot, so late sends never
      // bunch up with timely ones in a 1 s window.
      if (Date.now() - x.slot > LATE_MS) {
        const again = takeSlot(pnid, spacing) - Date.now();
        if (again > 0) await sleep(again);
      }
      if (ctl.halted) return "halted" as const;
      return forwardOnce(env, pnid, gated.contacts[x.i].request) ?? ("no request" as const);
    });
    if (r === "halted") {
      // An earlier send of this campaign just hit a campaign-wide failure: not sent, it waits.
      results.push({ seq: x.it.seq, kind: "requeue", delay_s: 1 });
      return;
    }
    if (r === "no request") {
      results.push({ seq: x.it.seq, kind: "blocked", finding: null, to: x.verdict.to });
      return;
    }
    if (r.ok) {
      results.push({ seq: x.it.seq, kind: "accepted", wamid: r.wamid });
      acceptedHere.push({ index: x.i, verdict: x.verdict });
    } else {
      results.push({ seq: x.it.seq, kind: "failed", classification: r.classification, ambiguous: r.ambiguous, http_status: r.http_status });
      const scope = r.classification.scope;
      if (scope === "phone_number" || scope === "account") failedNumber = true;
      if ((scope === "template" || scope === "phone_number" || scope === "account") && r.classification.retry.kind !== "backoff" && !r.ambiguous) ctl.halted = true;
    }
  });
  await Promise.all(sends);
  if (acceptedHere.length) await gated.accepted(acceptedHere).catch((e: unknown) => console.error("portfolio count not updated", e instanceof Error ? e.message : String(e)));
  if (failedNumber) await numberFailed(env, pnid).catch((e: unknown) => console.error("health_status refresh not started", e instanceof Error ? e.message : String(e)));
  const recorded: Recorded | { dispositions: Disposition[]; state: "stopped" | "running" } = results.length
    ? ((await stub.record(results)) as Recorded)
    : { dispositions: [], state: begun.size === 0 && toSend.length > 0 ? "stopped" : "running" };
  const dispositions = recorded.dispositions;
  // Contacts neither sent nor recorded (not begun): their messages are acked; the object has them.
  for (const x of toSend) if (!begun.has(x.it.seq)) dispositions.push({ seq: x.it.seq, retry_s: null });
  return { dispositions, running: recorded.state === "running", mps: gated.rate.mps };
}

/** The dead-letter queue: contacts whose message failed every delivery end `failed`. */
export async function deadLetterBatch(batch: MessageBatch<CampaignMessage>, env: Env): Promise<void> {
  const groups = new Map<string, { w: string; c: string; seqs: number[]; msgs: Msg[] }>();
  for (const m of batch.messages) {
    if (!validBody(m.body)) {
      m.ack();
      continue;
    }
    const k = `${m.body.w}:${m.body.c}`;
    const g = groups.get(k) ?? { w: m.body.w, c: m.body.c, seqs: [], msgs: [] };
    g.seqs.push(m.body.s);
    g.msgs.push(m);
    groups.set(k, g);
  }
  await Promise.all(
    [...groups.values()].map(async (g) => {
      try {
        await campaignStub(env, g.w, g.c).deadLetter(g.seqs);
        for (const m of g.msgs) m.ack();
      } catch (e) {
        console.error("dead letter not recorded", e instanceof Error ? e.message : String(e));
        for (const m of g.msgs) m.retry({ delaySeconds: 10 });
      }
    }),
  );
}
