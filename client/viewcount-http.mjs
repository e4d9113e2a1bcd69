// The HTTP way in, for a page whose WebSocket does not open (a proxy or a browser extension blocks it).
// viewcount.js imports this module only then, so the usual page never loads it.

// A view sent over HTTP is counted after the queues' batching window and the stream's (about 6 s on
// AWS, with SQS_BATCH_WINDOW_SECONDS=5): the counts are read at once, and once more after this (ms),
// when they include it. Until then the page shows what was read, never a made-up +1.
export const READ_AGAIN = 10000;

// Send `views` (view messages, as the socket would carry them) to `httpEndpoint`/views, then read the
// page's counts from `httpEndpoint`/counts: `countsRequest()` says what to ask for, `receive(answer)`
// paints it. `options` are the client's start() options.
export default function sendByHttp({ httpEndpoint: endpoint }, views, countsRequest, receive, warn) {
  for (const view of views) {
    const body = JSON.stringify(view);
    // A beacon outlives the page (a reader may leave at once); fetch is for a browser that refuses it.
    if (!navigator.sendBeacon(`${endpoint}/views`, body)) {
      fetch(`${endpoint}/views`, { method: 'POST', body, keepalive: true }).catch(warn);
    }
  }
  const read = () => {
    const { articleIds, paths } = countsRequest();
    const query = new URLSearchParams([...paths.map((path) => ['paths', path]), ...articleIds.map((id) => ['articleIds', id])]);
    fetch(`${endpoint}/counts?${query}`)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`counts: HTTP ${response.status}`))))
      .then(receive, warn);
  };
  read();
  setTimeout(read, READ_AGAIN);
}
