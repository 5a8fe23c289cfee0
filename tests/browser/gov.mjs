// The governance pages clicked through in Debian's Chromium (playwright-core). gov.sh sets the
// stage: a running mamorid over its instance, a staff member `madoguchi` of 市民課, CSIRT member
// `csirt1` (TOTP). Prints TAP lines from --start, writes "N FAILED" to --count-file.
//
// The flow: the staff member opens an incident from the page (its title is markup, shown as
// text), sees the statutory deadlines and their own record; cannot take CSIRT's step (403);
// CSIRT signs in with TOTP, finds the incident and moves it to CSIRT評価; the staff member
// requests an exception and cannot approve it (兼務の禁止, 403); the overview lists what is due.
import { chromium } from 'playwright-core';
import { arg, counts, tap, totp } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const L = arg('lgwan');
const PW = arg('password');
const shots = arg('shots');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
let dialogs = 0;

async function signIn(user) {
  const ctx = await browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  page.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });
  await page.goto(L + '/login');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', PW);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  if (page.url().endsWith('/login/totp')) {
    await page.fill('input[name=code]', totp(user));
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  }
  if (page.url().endsWith('/password')) {
    await page.fill('input[name=current]', PW);
    await page.fill('input[name=new]', user + ' no atarashii pw');
    await page.fill('input[name=again]', user + ' no atarashii pw');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  }
  return { ctx, page };
}
const go = (page, action) => Promise.all([page.waitForNavigation(), action]);
const shot = (page, name) => page.screenshot({ path: join(shots, name + '.png'), fullPage: true });

try {
  const s = await signIn('madoguchi');
  await go(s.page, s.page.click('header a[href="/gov"]'));
  tap((await s.page.textContent('h1')).includes('ガバナンス') || (await s.page.textContent('h1')).includes('Governance'),
    'the governance overview opens from the header');
  await go(s.page, s.page.click('#registers a[href="/gov/incident"]'));
  await go(s.page, s.page.click('#new'));
  const title = '<img src=x onerror=alert(1)>窓口での誤交付';
  await s.page.fill('input[name=title]', title);
  await s.page.fill('input[name=unit]', '市民課');
  await s.page.fill('input[name=detected_at]', '2026-11-20 10:00');
  await s.page.fill('input[name=people]', '150');
  await go(s.page, s.page.click('#new-form button[type=submit]'));
  const h1 = await s.page.textContent('h1');
  tap(/INC-\d+/.test(h1) && h1.includes(title), 'the incident is opened from the page; its markup title is shown as text', h1);
  const id = h1.match(/INC-\d+/)[0];
  const flags = await s.page.textContent('#flags');
  tap(flags.includes('速報') && flags.includes('確報'), '150 people: the 速報 and 確報 deadlines are shown', flags);
  tap((await s.page.$$('img[src=x]')).length === 0, 'no element was made from the title');
  await shot(s.page, 'gov-incident');
  // the staff member reports it (any person may), then tries CSIRT's step by hand
  await go(s.page, s.page.click('#step-report button'));
  tap((await s.page.textContent('#state')).includes('報告'), 'the reporter takes the 報告 step');
  const csrf = await s.page.getAttribute('#step-assess input[name=csrf]', 'value');
  const forged = await s.page.evaluate(async ([u, c]) => {
    const r = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=' + encodeURIComponent(c) });
    return r.status;
  }, [`/gov/incident/${id}/assess`, csrf]);
  tap(forged === 403, "a staff member posting CSIRT's step is refused (403)", `status ${forged}`);

  const c = await signIn('csirt1');
  await c.page.goto(L + '/gov/incident');
  tap((await c.page.textContent('#records')).includes(id), 'CSIRT sees the incident of 市民課');
  await go(c.page, c.page.click(`#records a[href="/gov/incident/${id}"]`));
  await go(c.page, c.page.click('#step-assess button'));
  tap((await c.page.textContent('#state')).includes('CSIRT評価'), 'CSIRT moves it to CSIRT評価');
  const steps = await c.page.$$eval('#steps tr', (trs) => trs.length);
  tap(steps === 3, 'the history shows each hop (open, report, assess)', `rows ${steps}`);

  // an exception requested and self-approval refused
  await s.page.goto(L + '/gov/exception/new');
  await s.page.fill('input[name=title]', '旧端末の継続利用');
  await s.page.fill('input[name=unit]', '市民課');
  await s.page.fill('input[name=clause]', '6(3)');
  await s.page.fill('textarea[name=reason]', '更新待ち');
  await s.page.fill('textarea[name=measures]', '分離');
  await s.page.fill('input[name=until]', '2099-03-31');
  await go(s.page, s.page.click('#new-form button[type=submit]'));
  const ex = (await s.page.textContent('h1')).match(/EXC-\d+/)[0];
  const r = await go(s.page, s.page.click('#step-approve button'));
  tap(r[0].status() === 403 && (await s.page.textContent('main')).includes('兼務の禁止'),
    'the requester approving their own exception is refused (兼務の禁止, 403)', `status ${r[0].status()}`);
  // 兼務: csirt1 sits on the 委員会 by appointment; the document waits for the 委員会
  const doc = arg('doc');
  await c.page.goto(L + `/gov/doc/${doc}`);
  let resp = await go(c.page, c.page.click('#step-approve button'));
  tap(resp[0].status() === 403, 'acting as CSIRT, approving a policy document is refused (403)', `status ${resp[0].status()}`);
  await c.page.goto(L + '/gov');
  await c.page.selectOption('#act-as select', 'committee');
  await go(c.page, c.page.click('#act-as button'));
  await c.page.goto(L + `/gov/doc/${doc}`);
  resp = await go(c.page, c.page.click('#step-approve button'));
  tap(resp[0].status() < 400 && (await c.page.textContent('#state')).includes('決定'),
    'switched to the 委員会 role held by appointment, the same person approves it', `status ${resp[0].status()}`);
  await c.page.goto(L + '/gov');
  await c.page.selectOption('#act-as select', 'csirt');
  await go(c.page, c.page.click('#act-as button'));
  await s.page.goto(L + '/gov/exception/new');
  const scsrf = await s.page.getAttribute('input[name=csrf]', 'value');
  const forgedAs = await s.page.evaluate(async (t) => {
    const r = await fetch('/gov/act-as', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'role=committee&csrf=' + encodeURIComponent(t) });
    return r.status;
  }, scsrf);
  tap(forgedAs === 403, 'a staff member without the appointment cannot act as the 委員会 (403)', `status ${forgedAs}`);
  await s.page.goto(L + '/gov');
  tap((await s.page.$$('#act-as')).length === 0, 'no role switch is offered to a person without appointments');
  await c.page.goto(L + '/gov');
  const due = await c.page.textContent('#due');
  tap(due.includes(id), "CSIRT's overview lists the incident's statutory deadlines as due for them", due);
  await c.page.goto(L + '/');
  const card = Number((await c.page.textContent('#due .n')).trim());
  const list = await c.page.textContent('#due-list');
  tap(card >= 1 && list.includes(id), "CSIRT's dashboard counts what is due and lists the incident", `${card} ${list}`);
  const api = await c.page.evaluate(async () => (await fetch('/api/v1/dashboard')).json());
  tap(api.due_for_you === card, 'the dashboard API gives the same count', JSON.stringify(api));
  await c.page.goto(L + '/gov');
  await go(c.page, c.page.click('a[href="/gov/org"]'));
  const holders = await c.page.textContent('#holders');
  tap(holders.includes('csirt1') && holders.includes('jinji') && !holders.includes('shokuin2'),
    'the organisation page lists who holds a role now (not those who left)', holders);
  tap(holders.includes('<img src=x onerror=alert(1)>心') && (await c.page.$$('img[src=x]')).length === 0,
    'a name with markup is shown as text, no element made from it');
  await c.page.fill('#at', '2026-07-01');
  await go(c.page, c.page.click('main form button'));
  const then = await c.page.textContent('#holders');
  tap(then.includes('shokuin2') && then.includes('人事課'), 'on 2026-07-01: shokuin2 and jinji at 人事課', then);
  const hist = await c.page.$$eval('#history tr', (trs) => trs.length);
  tap(hist >= 14, 'the history lists every span', `rows ${hist}`);
  tap(dialogs === 0, 'no script ran from any record (no dialogs)', `dialogs ${dialogs}`);
  writeFileSync(join(arg('totp-dir'), 'gov-ids'), `${id} ${ex}\n`);
} catch (e) {
  tap(false, 'the browser flow ran to its end', e.stack);
}
await browser.close();
writeFileSync(arg('count-file'), `${counts.n} ${counts.failed}\n`);
