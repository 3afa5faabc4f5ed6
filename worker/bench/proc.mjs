// What the benches read of the processes they start.
import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds (user + system) of the workerd processes in wrangler's process group. */
export function workerdCpuSeconds(pgid) {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && comm.startsWith("workerd")) total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // process ended
    }
  }
  return total;
}
