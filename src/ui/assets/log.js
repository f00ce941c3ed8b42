// Live log of the execution page: polls the log endpoint with the session cookie and appends new lines;
// reloads once the execution finished so status and metrics are current.
(() => {
  const log = document.getElementById("log");
  if (!log || log.dataset.live !== "1") return;
  const id = log.dataset.execution;
  let offset = Number(log.dataset.offset) || 0;
  const append = (line) => {
    log.querySelector(".empty")?.remove();
    const div = document.createElement("div");
    div.className = `line level-${line.level}`;
    div.dataset.seq = String(line.seq);
    const ts = document.createElement("span");
    ts.className = "ts";
    ts.textContent = line.ts.slice(11, 23);
    const lvl = document.createElement("span");
    lvl.className = "lvl";
    lvl.textContent = line.level;
    div.append(ts, " ", lvl, ` ${line.message}`);
    log.append(div);
  };
  const poll = async () => {
    try {
      const res = await fetch(`/ui/executions/${encodeURIComponent(id)}/logs?offset=${offset}`, {
        credentials: "same-origin",
        headers: { accept: "application/json" },
      });
      if (res.status === 401) return location.reload();
      if (res.ok) {
        const body = await res.json();
        const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
        for (const line of body.lines) append(line);
        offset = body.next_offset;
        if (atBottom) log.scrollTop = log.scrollHeight;
        if (body.complete) return location.reload();
      }
    } catch {
      // A failed poll (service restarting) is retried on the next tick.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
})();
