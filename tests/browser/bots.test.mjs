// Bot views: an automated headless browser is not counted; the tests' default, human-like browser is.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  humanUserAgent, launchBrowser, nextViewSent, recordMessages, requestCounts, waitForPush, withStackAndBrowser,
} from './helpers.mjs';

// What a page shows of itself, and the User-Agent its WebSocket handshake sends (to a tiny local server).
async function looks(context) {
  const handshakes = [];
  const server = http.createServer((req, res) => res.setHeader('content-type', 'text/html').end('<!doctype html><title>probe</title>'));
  server.on('upgrade', (req, socket) => {
    handshakes.push(req.headers['user-agent']);
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const page = await context.newPage();
  try {
    const origin = `http://127.0.0.1:${server.address().port}`;
    await page.goto(origin);
    const shown = await page.evaluate(() => ({ webdriver: navigator.webdriver, userAgent: navigator.userAgent }));
    await page.evaluate(
      (url) => new Promise((resolve) => Object.assign(new WebSocket(url), { onclose: resolve, onerror: resolve })),
      origin.replace('http:', 'ws:'),
    );
    return { ...shown, handshake: handshakes[0] };
  } finally {
    await page.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('bot views', () => {
  const env = withStackAndBrowser();
  const automation = {};
  before(async () => {
    automation.browser = await launchBrowser({ automation: true });
  });
  after(async () => {
    await automation.browser?.close();
  });

  const POST = 'websockets-on-a-budget';

  test("the default browser looks like a person's, the automation browser like a bot", async () => {
    const human = await env.newContext();
    const bot = await automation.browser.newContext();
    try {
      const person = await looks(human);
      assert.equal(person.webdriver, false);
      assert.equal(person.userAgent, humanUserAgent(env.browser));
      assert.doesNotMatch(person.userAgent, /headless/i);
      assert.equal(person.handshake, person.userAgent, "the WebSocket handshake must send the context's User-Agent");

      const robot = await looks(bot);
      assert.equal(robot.webdriver, true);
      assert.match(robot.userAgent, /HeadlessChrome\//);
      assert.equal(robot.handshake, robot.userAgent);
    } finally {
      await bot.close();
      await human.close();
    }
  });

  test("a page in an automated headless browser does not raise the post's total", async () => {
    const human = await env.newContext();
    const bot = await automation.browser.newContext();
    try {
      await recordMessages(human);
      const first = await human.newPage();
      await first.goto(env.stack.url(`/posts/${POST}`));
      await waitForPush(first, { articleId: POST, totalViews: 1 });

      // The bot's view is sent, flagged as webdriver, on a HeadlessChrome connection.
      const robot = await bot.newPage();
      const sent = nextViewSent(robot);
      await robot.goto(env.stack.url(`/posts/${POST}`));
      assert.equal((await sent).webdriver, true);
      assert.match(await robot.evaluate(() => navigator.userAgent), /HeadlessChrome\//);

      // A person's view, sent after the bot's: once its push arrives, the bot's view has had its chance
      // to be counted, and the total counts the two people only.
      const second = await human.newPage();
      await second.goto(env.stack.url(`/posts/${POST}`));
      const push = await waitForPush(second, { articleId: POST });
      assert.equal(push.totalViews, 2, `${JSON.stringify(push)}: the automated browser's view was counted`);
      const counts = await requestCounts(human, env.stack, [POST]);
      assert.equal(counts[POST].totalViews, 2, `${JSON.stringify(counts)}: the automated browser's view was counted`);
    } finally {
      await bot.close();
      await human.close();
    }
  });

  test("a page in the human-like browser raises the same post's total by one", async () => {
    const human = await env.newContext();
    try {
      await recordMessages(human);
      const { totalViews: before } = (await requestCounts(human, env.stack, [POST]))[POST];
      const page = await human.newPage();
      await page.goto(env.stack.url(`/posts/${POST}`));
      const push = await waitForPush(page, { articleId: POST });
      assert.equal(push.totalViews, before + 1, JSON.stringify(push));
      assert.equal((await requestCounts(human, env.stack, [POST]))[POST].totalViews, before + 1);
    } finally {
      await human.close();
    }
  });
});
