// Checks xAPI statements against the xAPI 1.0.3 rules with Learning
// Locker's xapi-validation package (pinned in package-lock.json), for the
// Go tests: node validate.js FILE, where FILE holds a JSON array of
// statements. Prints each problem and exits 1, or prints
// "N statements valid".
'use strict';
const fs = require('fs');
const validate = require('xapi-validation').default;

const statements = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
if (!Array.isArray(statements) || statements.length === 0) {
  console.log('no statements to check');
  process.exit(2);
}
let problems = 0;
statements.forEach((s, i) => {
  for (const w of validate(s)) {
    problems++;
    const what = w.typeName ? ` (want ${w.typeName})` : '';
    console.log(`statement ${i} ${s && s.id}: ${(w.path || []).join('.')}: ${w.name}${what}: ${JSON.stringify(w.data)}`);
  }
});
if (problems > 0) {
  process.exit(1);
}
console.log(`${statements.length} statements valid`);
