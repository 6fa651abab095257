// Drives Azure OpenAI (or the aoai-nb emulator) through the openai package's AzureOpenAI client, keyless with
// @azure/identity's getBearerTokenProvider, and prints one JSON line per capability for tests/sdks/test_sdks.py.
//
// Environment: AZURE_OPENAI_ENDPOINT; OPENAI_API_VERSION (default 2024-10-21); AOAI_NB_TEST_TOKEN, the fixed token
// the test credential hands out (against Azure, use DefaultAzureCredential instead); AZURE_OPENAI_*_DEPLOYMENT
// (defaults: the emulator's deployments). No token or key is ever printed.
import { getBearerTokenProvider } from "@azure/identity";
import { AzureOpenAI, BadRequestError, RateLimitError, toFile } from "openai";

const endpoint = process.env.AZURE_OPENAI_ENDPOINT;
const apiVersion = process.env.OPENAI_API_VERSION ?? "2024-10-21";
const fixedToken = process.env.AOAI_NB_TEST_TOKEN;
if (!endpoint || !fixedToken) {
  console.error("set AZURE_OPENAI_ENDPOINT and AOAI_NB_TEST_TOKEN");
  process.exit(2);
}
const deployments = {
  chat: process.env.AZURE_OPENAI_CHAT_DEPLOYMENT ?? "gpt-4o-mini",
  embeddings: process.env.AZURE_OPENAI_EMBEDDINGS_DEPLOYMENT ?? "text-embedding-3-small",
  images: process.env.AZURE_OPENAI_IMAGES_DEPLOYMENT ?? "dall-e-3",
  transcription: process.env.AZURE_OPENAI_TRANSCRIPTION_DEPLOYMENT ?? "whisper",
  speech: process.env.AZURE_OPENAI_SPEECH_DEPLOYMENT ?? "tts",
};

// A TokenCredential for tests: always the same token, and a record of the scopes asked for.
const scopesAsked = [];
const testCredential = {
  async getToken(scopes) {
    scopesAsked.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: fixedToken, expiresOnTimestamp: Date.now() + 3600_000 };
  },
};
const azureADTokenProvider = getBearerTokenProvider(testCredential, "https://cognitiveservices.azure.com/.default");

function emit(check, fields) {
  console.log(JSON.stringify({ check, ...fields }));
}

function client(deployment, options = {}) {
  return new AzureOpenAI({ endpoint, apiVersion, deployment, azureADTokenProvider, maxRetries: 2, ...options });
}

const pirate = [
  { role: "system", content: "You are a helpful assistant. You will talk like a pirate." },
  { role: "user", content: "Can you help me?" },
  { role: "assistant", content: "Arrrr! Of course, me hearty! What can I do for ye?" },
  { role: "user", content: "What's the best way to train a parrot?" },
];

async function chat() {
  const result = await client(deployments.chat).chat.completions.create({ model: "", messages: pirate });
  emit("chat", {
    model: result.model,
    choices: result.choices.map((c) => ({ index: c.index, content: c.message.content, finish_reason: c.finish_reason })),
    content_filter: result.choices[0].content_filter_results ?? null,
  });
}

async function stream() {
  const events = await client(deployments.chat).chat.completions.create({ model: "", messages: pirate, stream: true });
  const choices = {};
  let count = 0;
  for await (const event of events) {
    count += 1;
    for (const choice of event.choices) {
      const state = (choices[choice.index] ??= { index: choice.index, role: "", content: "", deltas: 0 });
      if (choice.delta?.role) state.role = choice.delta.role;
      if (choice.delta?.content) {
        state.content += choice.delta.content;
        state.deltas += 1;
      }
      if (choice.finish_reason) state.finish_reason = choice.finish_reason;
    }
  }
  emit("stream", { events: count, choices: Object.values(choices) });
}

async function embeddings() {
  const result = await client(deployments.embeddings).embeddings.create({
    model: "",
    input: ["The food was delicious and the waiter...", "A parrot learns words by repetition."],
  });
  emit("embeddings", { count: result.data.length, dimensions: result.data.map((d) => d.embedding.length) });
}

async function images() {
  const result = await client(deployments.images).images.generate({ model: "", prompt: "a cat", n: 1, size: "1024x1024" });
  const heads = [];
  for (const image of result.data) {
    const head = await fetch(image.url, { method: "HEAD" });
    heads.push({ status: head.status, content_type: head.headers.get("content-type"), revised_prompt: image.revised_prompt });
  }
  emit("images", { images: heads });
}

async function speech() {
  const response = await client(deployments.speech).audio.speech.create({
    model: "",
    voice: "alloy",
    input: "the quick brown fox jumped over the lazy dogs",
  });
  const audio = Buffer.from(await response.arrayBuffer());
  emit("speech", { bytes: audio.length, content_type: response.headers.get("content-type"), head: audio.subarray(0, 3).toString("hex") });
  return audio;
}

async function transcription(audio) {
  const text = await client(deployments.transcription).audio.transcriptions.create({
    model: "",
    file: await toFile(audio, "speech.mp3"),
    response_format: "text",
  });
  emit("transcription", { text: typeof text === "string" ? text : text.text });
}

// A fetch that asks the emulator to inject a 429 on the first attempt only, and counts attempts.
function faultOnFirstAttempt() {
  const statuses = [];
  const faultyFetch = async (url, init) => {
    const headers = new Headers(init?.headers);
    if (statuses.length === 0) headers.set("x-aoai-nb-fault", "429");
    const response = await fetch(url, { ...init, headers });
    statuses.push(response.status);
    return response;
  };
  return { statuses, faultyFetch };
}

async function retry() {
  const retried = faultOnFirstAttempt();
  const ok = await client(deployments.chat, { fetch: retried.faultyFetch, maxRetries: 2 }).chat.completions.create({
    model: "",
    messages: [{ role: "user", content: "Say hello." }],
  });
  const single = faultOnFirstAttempt();
  let error = null;
  try {
    await client(deployments.chat, { fetch: single.faultyFetch, maxRetries: 0 }).chat.completions.create({
      model: "",
      messages: [{ role: "user", content: "Say hello." }],
    });
  } catch (exc) {
    if (!(exc instanceof RateLimitError)) throw exc;
    error = { status: exc.status, code: exc.code, retry_after_ms: exc.headers?.get("retry-after-ms") };
  }
  emit("retry", {
    with_retries: { statuses: retried.statuses, finish_reason: ok.choices[0].finish_reason },
    without_retries: { statuses: single.statuses, error },
  });
}

// The emulator's teaching header filters the prompt: Azure's 400 with the categories in innererror.
async function blockedPrompt() {
  try {
    await client(deployments.chat).chat.completions.create(
      { model: "", messages: pirate },
      { headers: { "x-aoai-nb-filter": "prompt:violence=high" } },
    );
    emit("content_filter_error", { raised: false });
  } catch (exc) {
    if (!(exc instanceof BadRequestError)) throw exc;
    const inner = exc.error?.innererror;
    emit("content_filter_error", {
      raised: true, status: exc.status, code: exc.code, inner_code: inner?.code,
      violence: inner?.content_filter_result?.violence,
    });
  }
}

await chat();
await stream();
await embeddings();
await images();
const audio = await speech();
await transcription(audio);
await retry();
await blockedPrompt();
emit("credential", { scopes: [...new Set(scopesAsked)] });
