// A login handler with two planted leaks, for the leak hunt in README: every session goes
// into a Map nobody evicts, and every login adds a logout listener to a long-lived bus that
// nobody removes. It handles 1,500 logins over about 1.2 s, then ends.
//   npx heapflame record --track-allocations --snapshot exit --snapshot-every 0.4 -o hunt.heapflame -- node examples/leak-hunt/sessions.mjs
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';

class Session {
  constructor(id) {
    this.id = id;
    this.user = `user-${id % 50}`;
    this.token = randomBytes(16).toString('hex');
    this.history = [];
  }
}

const sessions = new Map();
const bus = new EventEmitter();
bus.setMaxListeners(0);

function handleLogin(id) {
  const session = new Session(id);
  sessions.set(session.token, session);
  bus.on('logout', function onLogout() {
    return session.id;
  });
  return session.token;
}

let logins = 0;
const timer = setInterval(() => {
  for (let k = 0; k < 50; k++) handleLogin(logins++);
  if (logins >= 1500) clearInterval(timer);
}, 40);
