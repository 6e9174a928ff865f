// SPDX-License-Identifier: ISC
// quire-read serve in a real browser (Debian's chromium, headless, driven by puppeteer-core):
// the landing page, a document and its about page, the search page and a 502 page of the
// fixtures and of the Python documentation; a screenshot of each, kept in OUT; axe-core on
// quire's own pages (no serious or critical violation); the network log of every page shows
// nothing but the server's origin; a hostile document that loads an image, a script, a
// stylesheet, a font, a frame and more from another origin (127.0.0.2) reaches it not once,
// while the same page served without quire's headers does (the control that shows the
// listener would see it).
//
// node browser.mjs NODE_MODULES QUIRE-READ PUB OUT DOSSIER PYTHON BAD HOSTILE_BUNDLE HOSTILE_HTML
//     OUTSIDE_PORT (HOSTILE_HTML, packed in HOSTILE_BUNDLE, loads from 127.0.0.2:OUTSIDE_PORT)
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [nodeModules, quireRead, pub, out, dossier, python, bad, hostileBundle, hostileHtml,
       outsidePortArg] = process.argv.slice(2);
const require = createRequire(path.join(nodeModules, 'x.js'));
const puppeteer = require('puppeteer-core');
const axePath = path.join(nodeModules, 'axe-core', 'axe.min.js');
mkdirSync(out, { recursive: true });

let failures = 0, passed = 0;
const servers = [];
// Whatever happens, no server is left behind.
process.on('exit', () => servers.forEach((p) => p.exitCode === null && p.kill('SIGKILL')));
process.on('uncaughtException', (e) => {
    console.error(`FAIL [serve_browser]: ${e.stack}`);
    process.exit(1);
});
process.on('unhandledRejection', (e) => {
    console.error(`FAIL [serve_browser]: ${e && e.stack}`);
    process.exit(1);
});
function check(cond, what) {
    if (cond) {
        passed++;
    } else {
        failures++;
        console.error(`FAIL [serve_browser]: ${what}`);
    }
}

// quire-read serve --port 0 ARGS...: resolves to the base URL (its first line of stdout).
function serve(args) {
    return new Promise((resolve, reject) => {
        const p = spawn(quireRead, ['serve', '--port', '0', '-p', pub, ...args],
                        { stdio: ['ignore', 'pipe', 'inherit'] });
        servers.push(p);
        let buf = '';
        p.stdout.on('data', (d) => {
            buf += d;
            const nl = buf.indexOf('\n');
            if (nl >= 0)
                resolve(buf.slice(0, nl));
        });
        p.on('exit', (code) => reject(new Error(`serve ${args} exited ${code}`)));
    });
}

// An HTTP server on host:port counting what it receives (connections too); handler answers.
function listen(host, port, handler) {
    return new Promise((resolve) => {
        const s = createServer(handler);
        s.hits = [];
        s.on('connection', () => s.hits.push('(connection)'));
        s.on('request', (req) => s.hits.push(req.url));
        s.listen(port, host, () => resolve(s));
    });
}

const outside = await listen('127.0.0.2', Number(outsidePortArg), (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('outside');
});
const hostile = readFileSync(hostileHtml, 'utf8');
// The control: the hostile page from a plain server, without quire's headers.
const plain = await listen('127.0.0.1', 0, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(hostile);
});

const multi = await serve([dossier, python, bad]);
const single = await serve([hostileBundle]);
const origin = new URL(multi).origin, hostileOrigin = new URL(single).origin;

const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--no-proxy-server',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-default-apps',
           '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2'],
});

// Opens url in a new page and records its network log; returns {page, requests, responses}.
async function open(url, { bypassCSP = false, wait = 'networkidle0' } = {}) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 800 });
    if (bypassCSP)
        await page.setBypassCSP(true); // axe is injected into quire's pages only
    const requests = [], responses = [], failed = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => responses.push([r.status(), r.url()]));
    page.on('requestfailed', (r) => failed.push([r.url(), r.failure() && r.failure().errorText]));
    const resp = await page.goto(url, { waitUntil: wait, timeout: 60000 });
    return { page, requests, responses, failed, status: resp ? resp.status() : 0 };
}

// The network log: every response came from the server. (Chromium reports a request that the
// CSP then blocks as requested and failed, with no response: those are in log.failed.)
function onlyFrom(log, allowed, what) {
    const bad = log.responses.map(([, u]) => u)
        .filter((u) => !u.startsWith(allowed + '/') && !u.startsWith('data:'));
    check(bad.length === 0, `${what}: responses from outside ${allowed}: ${bad.join(' ')}`);
}

async function axe(page, what) {
    await page.addScriptTag({ path: axePath });
    const r = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const res = await axe.run(document, { resultTypes: ['violations'] });
        return res.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length,
                                           help: v.help }));
    });
    writeFileSync(path.join(out, `${what}.axe.json`), JSON.stringify(r, null, 2));
    const grave = r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    check(grave.length === 0,
          `${what}: axe-core: ${grave.map((v) => `${v.id} (${v.impact}, ${v.n}): ${v.help}`)}`);
}

async function shot(log, name) {
    await log.page.screenshot({ path: path.join(out, `${name}.png`), fullPage: false });
    passed++;
}

// quire's own pages: 200, axe, screenshot, same-origin only.
const DOC = 'docs/000_7ca1ca3d8efec858.txt';
const quirePages = [
    ['bundles', '/'],
    ['fixtures-landing', '/b/1/?dir=docs/'],
    ['fixtures-about', `/b/1/about/${DOC}?quote=Collaboration+with+ISIL+refers`],
    ['fixtures-search', '/b/1/search?q=islamic+state'],
    ['python-landing', '/b/2/'],
    ['python-tree', '/b/2/?dir=html/library/'],
    ['python-about', '/b/2/about/html/library/functions.html'],
    ['python-search', '/b/2/search?q=asyncio.run'],
    ['damaged-502', `/b/3/d/${DOC}`],
];
for (const [name, p] of quirePages) {
    const log = await open(origin + p, { bypassCSP: true });
    check(log.status === (name === 'damaged-502' ? 502 : 200), `${name}: status ${log.status}`);
    onlyFrom(log, origin, name);
    await shot(log, name);
    await axe(log.page, name);
    if (name === 'damaged-502') {
        const text = await log.page.evaluate(() => document.body.innerText);
        check(/SPEC 9 step/.test(text), `${name}: no SPEC rule on the page`);
        check(!/Collaboration with ISIL refers/.test(text), `${name}: document text on the page`);
    }
    await log.page.close();
}

// Documents: the fixtures' text and a Python docs page with its stylesheets and images, every
// subresource found (relative links work) and from the server only.
for (const [name, p] of [['fixtures-document', `/b/1/d/${DOC}`],
                         ['python-document', '/b/2/d/html/library/functions.html'],
                         ['python-index', '/b/2/d/html/index.html']]) {
    const log = await open(origin + p);
    check(log.status === 200, `${name}: status ${log.status}`);
    onlyFrom(log, origin, name);
    writeFileSync(path.join(out, `${name}.network.json`),
                  JSON.stringify({ responses: log.responses, failed: log.failed }, null, 2));
    const missing = log.responses.filter(([s]) => s >= 400);
    check(missing.length === 0, `${name}: failed subresources: ${JSON.stringify(missing)}`);
    if (name === 'python-document') {
        const css = log.responses.filter(([s, u]) => s === 200 && /\.css(\?|$)/.test(u));
        check(css.length > 0, `${name}: no stylesheet loaded`);
        const h1 = await log.page.evaluate(() => document.querySelector('h1')?.textContent);
        check(/Built-in Functions/.test(h1 || ''), `${name}: heading '${h1}'`);
        const color = await log.page.evaluate(
            () => getComputedStyle(document.body).getPropertyValue('font-family'));
        check(color !== '', `${name}: no computed style`);
    }
    await shot(log, name);
    await log.page.close();
}

// The hostile page: through quire, nothing reaches the outside listener, no script runs.
const h = await open(hostileOrigin + '/d/hostile/index.html', { wait: 'networkidle0' });
await new Promise((r) => setTimeout(r, 1500)); // a meta refresh or a timer would fire by now
check(h.status === 200, `hostile: status ${h.status}`);
onlyFrom(h, hostileOrigin, 'hostile');
// No HTTP request reached the outside. A bare TCP connection without a request is
// Chromium's speculative preconnect for a blocked frame, which no response header prevents:
// counted in the artefact, not a failure.
const reached = outside.hits.filter((u) => u !== '(connection)');
check(reached.length === 0, `hostile: the outside origin got: ${reached.join(' ')}`);
const title = await h.page.evaluate(() => document.title);
check(title !== 'pwned', 'hostile: a script ran');
check(h.page.url().startsWith(hostileOrigin + '/'), `hostile: navigated to ${h.page.url()}`);
await shot(h, 'hostile-blocked');
writeFileSync(path.join(out, 'hostile.network.json'),
              JSON.stringify({ attempted: h.requests, responses: h.responses, failed: h.failed,
                               outside: outside.hits }, null, 2));
await h.page.close();

// The control: the same page without quire's headers does reach the outside.
const c = await open(`http://127.0.0.1:${plain.address().port}/`, { wait: 'networkidle0' });
await new Promise((r) => setTimeout(r, 1500));
check(outside.hits.filter((u) => u !== '(connection)').length > 0,
      'control: the outside listener saw no request (the test is blind)');
await c.page.close();

await browser.close();
for (const p of servers) {
    p.removeAllListeners('exit');
    const done = new Promise((r) => p.once('exit', (code) => r(code)));
    p.kill('SIGTERM');
    check((await done) === 0, 'serve did not exit 0 on SIGTERM');
}
outside.close();
plain.close();
if (failures > 0) {
    console.error(`FAIL [serve_browser]: ${failures} failed, ${passed} passed`);
    process.exit(1);
}
console.log(`PASS [serve_browser]: ${passed} assertions, screenshots in ${out}`);
