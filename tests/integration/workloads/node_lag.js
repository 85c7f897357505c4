// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// An HTTP server whose request handler blocks its event loop for 100 ms (a
// busy wait), for the portsnoop -s tests: a loop lag the summary must name.
//
//   node node_lag.js [REQUESTS]
//
// Listens on 127.0.0.1 (ephemeral port), fetches itself REQUESTS times
// (default 2), one after the other, with curl (a child process), then closes
// the server and exits 0 by itself.  Prints nothing unless a request fails.
'use strict';
const http = require('http');
const { execFile } = require('child_process');

const BLOCK_MS = 100;
const requests = Number(process.argv[2] || 2);

const server = http.createServer((req, res) => {
  const end = Date.now() + BLOCK_MS;
  while (Date.now() < end) {
    // The loop lag under test: nothing else runs on this thread meanwhile.
  }
  res.end('slow\n');
});

function fetch(port, left) {
  if (left === 0) {
    server.close();
    return;
  }
  execFile('curl', ['-s', '-S', '--max-time', '10', `http://127.0.0.1:${port}/`],
    (err, stdout) => {
      if (err || stdout !== 'slow\n') {
        console.error(`node_lag: curl failed: ${err ? err.message : stdout}`);
        process.exit(1);
      }
      fetch(port, left - 1);
    });
}

server.listen(0, '127.0.0.1', () => fetch(server.address().port, requests));
