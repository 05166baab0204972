// Preloaded by scripts/bench.sh into the Portkey gateway (node --require): the gateway's server listens on every
// interface and has no option to choose one; the benchmark keeps everything on loopback, so a listen() that names
// no host gets 127.0.0.1.
'use strict';
const net = require('net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    const [first, second] = args;
    if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
        if (second === undefined || second === null) {
            args[1] = '127.0.0.1';
        } else if (typeof second === 'function') {
            args.splice(1, 0, '127.0.0.1');
        }
    } else if (first !== null && typeof first === 'object' && first.port !== undefined && !first.host && !first.path) {
        args[0] = { ...first, host: '127.0.0.1' };
    }
    return listen.apply(this, args);
};
