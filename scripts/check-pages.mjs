// The page check run by scripts/check-pages.sh (which starts the lab and sets the environment):
// for every bank and attacker page, axe-core's violations, Lighthouse's accessibility and best
// practices scores, and the page's width in a 390 px viewport. Exits 1 if any page fails.
import fs from "node:fs";
import { createRequire } from "node:module";
import lighthouse, { snapshot } from "lighthouse";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const { BANK, ATTACKER, SAMESITE, CHROME, USER_DATA } = process.env;
const MIN_SCORE = 95;
const PHONE = { width: 390, height: 844 };
const only = process.env.PAGES_ONLY || "";

const browser = await puppeteer.launch({
  executablePath: CHROME,
  headless: true,
  userDataDir: USER_DATA,
  env: process.env,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  defaultViewport: { width: 1280, height: 900 },
});
const port = Number(new URL(browser.wsEndpoint()).port);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
}

// The page's width at 390 px, and the widest element sticking out (to fix).
async function width(page) {
  return page.evaluate(() => {
    const view = document.documentElement.clientWidth;
    let widest = null;
    for (const el of document.body.querySelectorAll("*")) {
      const right = el.getBoundingClientRect().right;
      if (right > view + 1 && (!widest || right > widest.right)) {
        widest = { right: Math.round(right), what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") };
      }
    }
    return { view, scroll: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, widest };
  });
}

const LH_FLAGS = { port, output: "json", logLevel: "error", onlyCategories: ["accessibility", "best-practices"] };
const SNAPSHOT = { config: { extends: "lighthouse:default", settings: { onlyCategories: ["accessibility", "best-practices"] } } };

function scores(lhr) {
  const score = (id) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const failed = Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "notApplicable" && a.scoreDisplayMode !== "manual")
    .map((a) => a.id + (process.env.VERBOSE ? " " + JSON.stringify(a.details?.items?.slice(0, 4) ?? a.errorMessage ?? "") : ""));
  // Under the lab's defaults an attack page's frame is refused (by the browser, or by the bank with a
  // 403 the browser shows as its error page), and the browser logs it: the
  // protection working, not a fault of the page. Such a page is held to the score without it.
  const refusal = /frame-ancestors|X-Frame-Options|Content security policy|chrome-error:\/\/chromewebdata/i;
  const logged = ["errors-in-console", "inspector-issues"].map((id) => lhr.audits[id]).filter((a) => a && a.score === 0);
  const onlyRefusals = logged.length > 0 && failed.every((id) => /^(errors-in-console|inspector-issues)/.test(id))
    && logged.every((a) => (a.details?.items ?? []).every((item) => refusal.test(JSON.stringify(item))));
  const weights = lhr.categories["best-practices"]?.auditRefs ?? [];
  const total = weights.reduce((sum, ref) => sum + (lhr.audits[ref.id]?.scoreDisplayMode === "notApplicable" ? 0 : ref.weight), 0);
  const lost = logged.reduce((sum, a) => sum + (weights.find((ref) => ref.id === a.id)?.weight ?? 0), 0);
  const withoutRefusals = onlyRefusals ? Math.round((score("best-practices") / 100 + lost / total) * 100) : null;
  return { accessibility: score("accessibility"), bestPractices: score("best-practices"), withoutRefusals, failed };
}

// A page reached by navigation: Lighthouse navigates to it itself.
async function byUrl(name, url) {
  const page = await browser.newPage();
  await page.setViewport(PHONE);
  const response = await page.goto(url, { waitUntil: "load" });
  if (name.startsWith("attacker") && response.status() === 404) {
    await page.close();
    return { name, skipped: true };
  }
  await sleep(300);
  const result = { name, url, width: await width(page), axe: await axe(page) };
  await page.setViewport({ width: 1280, height: 900 });
  result.desktopHeight = (await width(page)).height;
  if (response.status() >= 400) {
    // Lighthouse does not audit an error status by navigation: audit the page as it stands.
    result.lighthouse = scores((await snapshot(page, SNAPSHOT)).lhr);
    await page.close();
    return result;
  }
  await page.close();
  const run = await lighthouse(url, LH_FLAGS);
  result.lighthouse = scores(run.lhr);
  return result;
}

// A page reached by a POST (or a click): measured where it is, Lighthouse in snapshot mode.
async function byAction(name, start, act) {
  const page = await browser.newPage();
  await page.setViewport(PHONE);
  await page.goto(start, { waitUntil: "load" });
  await act(page);
  await sleep(300);
  const result = { name, url: page.url(), width: await width(page), axe: await axe(page) };
  const run = await snapshot(page, SNAPSHOT);
  result.lighthouse = scores(run.lhr);
  await page.close();
  return result;
}

// A person confirming on the bank: read, move the pointer (the gesture guard), click.
async function confirm(page, selector) {
  await sleep(1300);
  const box = await (await page.waitForSelector(selector)).boundingBox();
  await page.mouse.move(box.x + 2, box.y + 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)]);
}

const checks = [
  ["bank: dashboard", () => byUrl("bank: dashboard", `${BANK}/`)],
  ["bank: transfer form", () => byUrl("bank: transfer form", `${BANK}/transfer`)],
  ["bank: confirm", () => byUrl("bank: confirm", `${BANK}/transfer/confirm?to=bob&amount=5.00&memo=lunch`)],
  ["bank: are you sure", () => byAction("bank: are you sure", `${BANK}/transfer/confirm?to=bob&amount=600.00&memo=rent`, (p) => confirm(p, "#confirm-transfer"))],
  ["bank: transfer done", async () => {
    const page = await browser.newPage();
    await page.goto(`${BANK}/transfer/confirm?to=bob&amount=5.00&memo=lunch`, { waitUntil: "load" });
    await confirm(page, "#confirm-transfer");
    const url = page.url();
    await page.close();
    return byUrl("bank: transfer done", url);
  }],
  ["bank: audit log", () => byUrl("bank: audit log", `${BANK}/audit`)],
  ["bank: lab", () => byUrl("bank: lab", `${BANK}/lab`)],
  ["bank: login", () => byUrl("bank: login", `${BANK}/login`)],
  ["bank: 404", () => byUrl("bank: 404", `${BANK}/no-such-page`)],
  ["bank: GET /logout", () => byUrl("bank: GET /logout", `${BANK}/logout`)],
  ["bank: 403 (CSRF refused)", () => byAction("bank: 403 (CSRF refused)", `${ATTACKER}/csrf.html?wait=0`, (p) => p.waitForNavigation({ waitUntil: "load" }).catch(() => {}))],
  ["bank: lab after reset", () => byAction("bank: lab after reset", `${BANK}/lab`, async (p) => {
    await Promise.all([p.waitForNavigation({ waitUntil: "load" }), p.click("#lab-reset")]);
  })],
];
for (const page of ["", "basic.html", "multistep.html", "framebuster.html", "csrf.html?wait=99999", "doubleclick.html",
  "doubleclick-popup.html", "misconfig.html", "cookie-session.html", "start.html"]) {
  const name = `attacker: /${page}`;
  checks.push([name, () => byUrl(name, `${ATTACKER}/${page}`)]);
}
checks.push(["attacker (same site): /samesite.html", () => byUrl("attacker (same site): /samesite.html", `${SAMESITE}/samesite.html`)]);

let failures = 0;
const table = [];
for (const [name, check] of checks) {
  if (only && !name.includes(only)) continue;
  let r;
  try {
    r = await check();
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message}`);
    failures += 1;
    continue;
  }
  if (r.skipped) {
    console.log(`skip ${name}: not on this site`);
    continue;
  }
  const problems = [];
  if (r.axe.length) problems.push("axe: " + r.axe.map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).join(", ")}`).join("; "));
  if (r.lighthouse.accessibility < MIN_SCORE) problems.push(`Lighthouse accessibility ${r.lighthouse.accessibility}`);
  const notes = [];
  if (r.lighthouse.bestPractices < MIN_SCORE && r.lighthouse.withoutRefusals >= MIN_SCORE) {
    notes.push(`best practices ${r.lighthouse.bestPractices} only for the browser's console report of refusing the framed bank (the protection working); ${r.lighthouse.withoutRefusals} without it`);
  } else if (r.lighthouse.bestPractices < MIN_SCORE) {
    problems.push(`Lighthouse best practices ${r.lighthouse.bestPractices}`);
  }
  if (r.width.scroll > r.width.view) problems.push(`${r.width.scroll} px wide at ${r.width.view} px (${JSON.stringify(r.width.widest)})`);
  const ok = problems.length === 0;
  failures += ok ? 0 : 1;
  table.push({ page: name, axe: r.axe.length, a11y: r.lighthouse.accessibility, bp: r.lighthouse.bestPractices, width390: r.width.scroll, height1280: r.desktopHeight ?? "" });
  console.log(`${ok ? "ok  " : "FAIL"} ${name} (${r.url})${ok ? "" : "\n     " + problems.join("\n     ")}${notes.length ? "\n     note: " + notes.join("; ") : ""}${r.lighthouse.failed.length ? "\n     Lighthouse audits below 1: " + r.lighthouse.failed.join(", ") : ""}`);
}
console.table(table);
await browser.close();
process.exit(failures ? 1 : 0);
