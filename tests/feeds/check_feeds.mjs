#!/usr/bin/env node
// tests/feeds/check_feeds.mjs - parses Atom feeds with a real feed parser
// (@rowanmanning/feed-parser, pinned in tests/browser/package.json and
// installed there by `npm ci`, scripts/install-browser-deps.sh) and checks
// what a feed reader needs from each: it is Atom, it has a title, an id and
// a self link, and every entry has an id, a title, a valid date, a link
// and an author. Prints one JSON summary per file on stdout (the Python
// test compares it with its own reading); exits 1 naming every problem.
//
//   node tests/feeds/check_feeds.mjs FEED.atom [FEED.atom ...]
//
// test_exports.py also runs it on a deliberately broken feed and expects
// exit 1, so a checker that accepts anything cannot pass.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../browser/package.json', import.meta.url));
const { parseFeed } = require('@rowanmanning/feed-parser');

const problems = [];
const summaries = [];
for (const file of process.argv.slice(2)) {
  const say = (text) => problems.push(`${file}: ${text}`);
  let feed;
  try {
    feed = parseFeed(readFileSync(file, 'utf8'));
  } catch (error) {
    say(`the parser refused it: ${error.code || ''} ${error.message}`);
    continue;
  }
  if (feed.meta.type !== 'atom' || feed.meta.version !== '1.0')
    say(`not Atom 1.0 but ${feed.meta.type} ${feed.meta.version}`);
  if (!feed.title) say('no title');
  if (!feed.self) say('no self link');
  if (!(feed.updated instanceof Date) || Number.isNaN(feed.updated.getTime())) say('no valid updated date');
  const items = [];
  feed.items.forEach((item, i) => {
    if (!item.id || !item.id.startsWith('tag:')) say(`entry ${i}: id is not a tag: URI: ${item.id}`);
    if (!item.title) say(`entry ${i}: no title`);
    if (!(item.updated instanceof Date) || Number.isNaN(item.updated.getTime())) say(`entry ${i}: no valid updated date`);
    if (!item.url) say(`entry ${i}: no link`);
    if (item.authors.length === 0 || !item.authors[0].name) say(`entry ${i}: no author`);
    items.push({
      id: item.id,
      title: item.title,
      url: item.url,
      updated: item.updated instanceof Date ? item.updated.toISOString() : null,
      author: item.authors.length > 0 ? item.authors[0].name : null,
      categories: item.categories.map((c) => c.term),
      description: item.description,
    });
  });
  summaries.push({ file, title: feed.title, self: feed.self, language: feed.language, items });
}
process.stdout.write(JSON.stringify(summaries) + '\n');
if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`check_feeds: ${p}\n`);
  process.exit(1);
}
