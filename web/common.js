// Shared by the explorer and the dashboard: the server's configuration, and a stable
// colour for each worker, so the same worker has the same colour on every page.

/** GET a JSON document from mandel's own API; throws with the server's one-line error. */
export async function getJson(path, init) {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `${response.status}`);
  return body;
}

/** A colour per worker label ("thread-2", "host:pid/thread-1"): the same label, the same hue. */
export function workerColour(label, alpha = 1) {
  let hash = 2166136261;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 16777619);
  const hue = (hash >>> 0) % 360;
  return `hsla(${hue}, 75%, 55%, ${alpha})`;
}

export const formatRate = (perSecond) =>
  perSecond >= 1e9
    ? `${(perSecond / 1e9).toFixed(2)} G`
    : perSecond >= 1e6
      ? `${(perSecond / 1e6).toFixed(1)} M`
      : perSecond >= 1e3
        ? `${(perSecond / 1e3).toFixed(1)} k`
        : perSecond.toFixed(0);

export const formatBytes = (bytes) =>
  bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(2)} GiB`
    : bytes >= 2 ** 20
      ? `${(bytes / 2 ** 20).toFixed(1)} MiB`
      : `${(bytes / 1024).toFixed(0)} KiB`;
