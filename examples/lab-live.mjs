// examples/lab-live.mjs: node examples/lab-live.mjs [ws://localhost:8001/ws]
// (Node 20: node --experimental-websocket examples/lab-live.mjs; browsers and Node 22+ as is)
const url = globalThis.process?.argv[2] ?? 'ws://localhost:8001/ws';
const ws = new WebSocket(url);
ws.onopen = () => {
  ws.send(JSON.stringify({ type: 'subscribe', channel: 'metrics' }));
  ws.send(JSON.stringify({ type: 'subscribe', channel: 'session_updates' }));
};
ws.onmessage = (event) => {
  const msg = JSON.parse(event.data);    // {type, channel, data, ts}
  if (msg.type === 'metrics') {          // a frontend pushes these into its chart
    console.log(`session ${msg.data.session_id} iteration ${msg.data.iteration}:`,
                `return ${msg.data.values.episode_return_mean}`);
  }
  if (msg.type === 'session_update') console.log(`session ${msg.data.id}: ${msg.data.status}`);
  if (msg.type === 'error') console.warn('refused:', msg.data.detail);   // the socket stays open
};
// later: ws.send(JSON.stringify({ type: 'unsubscribe', channel: 'metrics' }));
