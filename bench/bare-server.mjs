// The floor for the agent's figures in bench/agent.mjs: a bare node:http
// server on a unix socket that speaks the agent's protocol for one fixed
// answer, with no lookup, no allow-list and no audit. What the agent adds
// over it is regcred's own cost. Prints `ready` once listening; stops on
// SIGTERM.
import { createServer } from 'node:http';

const ANSWER = Buffer.from(
  '{"ServerURL":"127.0.0.1:5000","Username":"alice","Secret":"bench"}\n',
);

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': ANSWER.length,
      'Cache-Control': 'no-store',
      Connection: 'close',
    });
    response.end(ANSWER);
  });
});
server.listen(process.argv[2], () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
