// Pure readings of what Meta says about a phone number (unit-tested in plain Node,
// test/merge.test.mjs): its rate from the throughput level, and health_status's entities.
import type { HealthEntity } from "sendgate";

/** Meta's throughput levels (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput):
 *  STANDARD is 80 messages per second, HIGH (after an automatic upgrade) 1,000. */
const LEVEL_MPS: Record<string, number> = { STANDARD: 80, HIGH: 1000 };
/** Meta's error of a WABA without a payment method in health_status. */
export const NO_PAYMENT_METHOD_CODE = 141006;
export interface Throughput {
  mps: number;
  source: "meta" | "config";
}

/** The rate of a number: Meta's level when known (a number named in THROUGHPUT_MPS_BY_NUMBER
 *  keeps its configured rate at STANDARD: coexistence numbers get 20), else the configuration. */
export function throughputOf(level: string | null, configured: number | undefined, fallback: number): Throughput {
  const meta = level ? LEVEL_MPS[level] : undefined;
  if (meta !== undefined && !(level === "STANDARD" && configured !== undefined)) return { mps: meta, source: "meta" };
  return { mps: configured ?? fallback, source: "config" };
}

/** health_status as Meta answers it, read into entities and the payment method. */
export function readHealth(body: unknown): { health: HealthEntity[]; payment_method: boolean; waba_id: string | null } | null {
  const hs = (body as { health_status?: { entities?: unknown } } | null)?.health_status;
  if (!hs || !Array.isArray(hs.entities)) return null;
  let payment = true;
  let waba: string | null = null;
  const health: HealthEntity[] = [];
  for (const e of hs.entities as Record<string, unknown>[]) {
    if (typeof e !== "object" || e === null || typeof e.entity_type !== "string") continue;
    const state = e.can_send_message;
    if (state !== "AVAILABLE" && state !== "LIMITED" && state !== "BLOCKED") continue;
    if (e.entity_type === "WABA" && typeof e.id === "string") waba = e.id;
    const errors = (Array.isArray(e.errors) ? e.errors : [])
      .filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null && Number.isInteger(x.error_code))
      .map((x) => ({
        error_code: x.error_code as number,
        ...(typeof x.error_description === "string" ? { error_description: x.error_description } : {}),
        ...(typeof x.possible_solution === "string" ? { possible_solution: x.possible_solution } : {}),
      }));
    // No payment method is its own finding (META_BILLING_ISSUE for billable sends), not an
    // account block: Meta still delivers what it does not bill.
    const own = errors.filter((x) => x.error_code !== NO_PAYMENT_METHOD_CODE);
    if (own.length < errors.length) payment = false;
    const blockedForPaymentOnly = state === "BLOCKED" && errors.length > 0 && own.length === 0;
    health.push({
      entity: e.entity_type,
      ...(typeof e.id === "string" ? { id: e.id } : {}),
      can_send_message: blockedForPaymentOnly ? "AVAILABLE" : state,
      ...(own.length > 0 ? { errors: own } : {}),
    });
  }
  return { health, payment_method: payment, waba_id: waba };
}
