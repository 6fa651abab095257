"""Golden text/plain and text/html of every view, from real emulator responses (see cases.py), normalised
by golden.normalise / normalise_html. Reviewed by hand; update only after reading the diff."""

# chat: <ChatView chat gpt-4o-mini-2024-07-18 finish_reason=stop 229 chars>
CHAT_REPR = "<ChatView chat gpt-4o-mini-2024-07-18 finish_reason=stop 229 chars>"
CHAT_TEXT = (
    "assistant · finish_reason=stop\n"
    '[scripted reply] You said: "Hello". This conversation has 1 message (1 from the user). I am the '
    "emulator's scripted engine: I echo and count instead of understanding. Start the emulator with "
    "engine='local' for a real small model.\n"
    "\n"
    "filters: passed\n"
    "usage: 8 prompt + 55 completion = 63 tokens\n"
    "model: gpt-4o-mini-2024-07-18\n"
    "id: chatcmpl-ID\n"
    "created: CREATED\n"
    "request id: REQUEST-ID"
)

CHAT_HTML = (
    "<div><div>assistant · finish_reason=stop</div><div>"
    "<p>[scripted reply] You said: &quot;Hello&quot;. This conversation has 1 message (1 from the user). "
    "I am the emulator's scripted engine: I echo and count instead of understanding. Start the emulator "
    "with engine='local' for a real small model.</p>\n"
    "</div><div><span>content filter: passed</span></div>"
    "<div>8 prompt + 55 completion = 63 tokens · model: gpt-4o-mini-2024-07-18 · id: chatcmpl-ID · "
    "created: CREATED · request id: REQUEST-ID</div></div>"
)

# chat_output_cut: <ChatView chat gpt-4o-mini-2024-07-18 finish_reason=content_filter 0 chars>
CHAT_OUTPUT_CUT_REPR = "<ChatView chat gpt-4o-mini-2024-07-18 finish_reason=content_filter 0 chars>"
CHAT_OUTPUT_CUT_TEXT = (
    "assistant · finish_reason=content_filter\n"
    "(no text: the content filter withheld this output)\n"
    "\n"
    "filters: output cut (sexual=medium)\n"
    "usage: 8 prompt + 2 completion = 10 tokens\n"
    "model: gpt-4o-mini-2024-07-18\n"
    "id: chatcmpl-ID\n"
    "created: CREATED\n"
    "request id: REQUEST-ID"
)

CHAT_OUTPUT_CUT_HTML = (
    "<div><div>assistant · finish_reason=content_filter</div><div>"
    "<i>(no text: the content filter withheld this output)</i></div><div><div>"
    "<span>content filter: output cut</span> sexual=medium</div>"
    "<div>finish_reason=content_filter on choice 0</div><table><tr><th>where</th><th>category</th>"
    "<th>result</th><th>filtered</th><th>detail</th></tr><tr><td>prompt 0</td><td>hate</td><td>"
    "<span>safe</span></td><td>no</td><td></td></tr><tr><td>prompt 0</td><td>jailbreak</td>"
    "<td>not detected</td><td>no</td><td></td></tr><tr><td>prompt 0</td><td>self_harm</td><td>"
    "<span>safe</span></td><td>no</td><td></td></tr><tr><td>prompt 0</td><td>sexual</td><td>"
    "<span>safe</span></td><td>no</td><td></td></tr><tr><td>prompt 0</td><td>violence</td><td>"
    "<span>safe</span></td><td>no</td><td></td></tr><tr><td>output 0</td><td>hate</td><td>"
    "<span>safe</span></td><td>no</td><td></td></tr><tr><td>output 0</td><td>protected_material_code</td>"
    "<td>not detected</td><td>no</td><td></td></tr><tr><td>output 0</td><td>protected_material_text</td>"
    "<td>not detected</td><td>no</td><td></td></tr><tr><td>output 0</td><td>self_harm</td><td>"
    "<span>safe</span></td><td>no</td><td></td></tr><tr><td>output 0</td><td>sexual</td><td>"
    "<span>medium</span></td><td><b>filtered</b></td><td></td></tr><tr><td>output 0</td><td>violence</td>"
    "<td><span>safe</span></td><td>no</td><td></td></tr></table></div>"
    "<div>8 prompt + 2 completion = 10 tokens · model: gpt-4o-mini-2024-07-18 · id: chatcmpl-ID · "
    "created: CREATED · request id: REQUEST-ID</div></div>"
)

# completion: <ChatView completion gpt-35-turbo-instruct-0914 finish_reason=length 64 chars>
COMPLETION_REPR = "<ChatView completion gpt-35-turbo-instruct-0914 finish_reason=length 64 chars>"
COMPLETION_TEXT = (
    "completion · finish_reason=length\n"
    " [scripted completion] This text continues the prompt, which has\n"
    "\n"
    "filters: passed\n"
    "usage: 3 prompt + 12 completion = 15 tokens\n"
    "model: gpt-35-turbo-instruct-0914\n"
    "id: cmpl-ID\n"
    "created: CREATED\n"
    "request id: REQUEST-ID"
)

COMPLETION_HTML = (
    "<div><div>completion · finish_reason=length</div>"
    "<pre> [scripted completion] This text continues the prompt, which has</pre><div>"
    "<span>content filter: passed</span></div>"
    "<div>3 prompt + 12 completion = 15 tokens · model: gpt-35-turbo-instruct-0914 · id: cmpl-ID · "
    "created: CREATED · request id: REQUEST-ID</div></div>"
)

# embeddings: <EmbeddingsView 2x1536 text-embedding-3-small>
EMBEDDINGS_REPR = "<EmbeddingsView 2x1536 text-embedding-3-small>"
EMBEDDINGS_TEXT = (
    "embeddings: 2 vectors x 1536 dims · text-embedding-3-small · 6 prompt tokens · request id: "
    "REQUEST-ID\n"
    "#  norm    first values\n"
    "0  1.0000  [+0.0069, -0.0204, +0.0140, +0.0319, +0.0060, …]\n"
    "1  1.0000  [+0.0012, +0.0148, +0.0173, -0.0114, -0.0040, …]"
)

EMBEDDINGS_HTML = (
    "<div><div>"
    "<span>embeddings</span> 2 vectors x 1536 dims · text-embedding-3-small · 6 prompt tokens · request "
    "id: REQUEST-ID</div><table><tr><th>#</th><th>norm</th><th>first values</th></tr><tr><td>0</td>"
    "<td>1.0000</td><td>[+0.0069, -0.0204, +0.0140, +0.0319, +0.0060, …]</td></tr><tr><td>1</td>"
    "<td>1.0000</td><td>[+0.0012, +0.0148, +0.0173, -0.0114, -0.0040, …]</td></tr></table></div>"
)

# images_b64: <ImagesView 1 image>
IMAGES_B64_REPR = "<ImagesView 1 image>"
IMAGES_B64_TEXT = (
    "image 0: png 1024x1024, SIZE kB (b64_json)\n"
    "  revised prompt: [emulator placeholder art: procedural image, no text-to-image model] A rabbit "
    "eating pancakes\n"
    "filters: passed\n"
    "request id: REQUEST-ID"
)

IMAGES_B64_HTML = (
    "<div><div>image 0: png 1024x1024, SIZE kB (b64_json)</div>"
    '<img src="data:image/png;base64,DATA" alt="[emulator placeholder art: procedural image, no '
    'text-to-image model] A rabbit eating pancakes"/><div>'
    "<b>revised prompt:</b> [emulator placeholder art: procedural image, no text-to-image model] A "
    "rabbit eating pancakes</div><div><span>content filter: passed</span></div>"
    "<div>request id: REQUEST-ID</div></div>"
)

# images_url: <ImagesView 1 image>
IMAGES_URL_REPR = "<ImagesView 1 image>"
IMAGES_URL_TEXT = (
    "image 0: url http://127.0.0.1:PORT/aoai-nb/images/IMAGE.png\n"
    "  revised prompt: [emulator placeholder art: procedural image, no text-to-image model] A rabbit "
    "eating pancakes\n"
    "filters: passed\n"
    "request id: REQUEST-ID"
)

IMAGES_URL_HTML = (
    "<div><div>image 0: url http://127.0.0.1:PORT/aoai-nb/images/IMAGE.png</div>"
    '<img src="http://127.0.0.1:PORT/aoai-nb/images/IMAGE.png" alt="[emulator placeholder art: '
    'procedural image, no text-to-image model] A rabbit eating pancakes"/><div>'
    "<b>revised prompt:</b> [emulator placeholder art: procedural image, no text-to-image model] A "
    "rabbit eating pancakes</div><div><span>content filter: passed</span></div>"
    "<div>request id: REQUEST-ID</div></div>"
)

# speech: <SpeechView wav 114524 bytes>
SPEECH_REPR = "<SpeechView wav 114524 bytes>"
SPEECH_TEXT = "speech: wav, 2.38 s, SIZE kB · request id: REQUEST-ID"

SPEECH_HTML = (
    "<div><div><span>speech</span> wav, 2.38 s, SIZE kB · request id: REQUEST-ID</div>"
    '<audio controls preload="metadata" src="data:audio/wav;base64,DATA"></audio></div>'
)

# transcript: <TranscriptView 99 chars, 1 segment, 13 words>
TRANSCRIPT_REPR = "<TranscriptView 99 chars, 1 segment, 13 words>"
TRANSCRIPT_TEXT = (
    "transcript: language: english · duration: 2.38 s · 1 segment · 13 words · request id: REQUEST-ID\n"
    "[scripted transcription: speech-like audio 0.0-2.3 s; the scripted engine does not recognise words]\n"
    "\n"
    "segments:\n"
    "  [scripted transcription: speech-like audio 0.0-2.3 s; the scripted engine does not recognise "
    "words] : 0 ms - 2320 ms\n"
    "\n"
    "words:\n"
    "  [scripted : 0 ms - 178 ms\n"
    "  transcription: : 178 ms - 357 ms\n"
    "  speech-like : 357 ms - 535 ms\n"
    "  audio : 535 ms - 714 ms\n"
    "  0.0-2.3 : 714 ms - 892 ms\n"
    "  s; : 892 ms - 1071 ms\n"
    "  the : 1071 ms - 1249 ms\n"
    "  scripted : 1249 ms - 1428 ms\n"
    "  engine : 1428 ms - 1606 ms\n"
    "  does : 1606 ms - 1785 ms\n"
    "  not : 1785 ms - 1963 ms\n"
    "  recognise : 1963 ms - 2142 ms\n"
    "  words] : 2142 ms - 2320 ms"
)

TRANSCRIPT_HTML = (
    "<div><div>"
    "<span>transcript</span> language: english · duration: 2.38 s · 1 segment · 13 words · request id: "
    "REQUEST-ID</div>"
    "<p>[scripted transcription: speech-like audio 0.0-2.3 s; the scripted engine does not recognise "
    "words]</p><table><tr><th>segment</th><th>start</th><th>end</th><th>text</th></tr><tr><td>0</td>"
    "<td>0 ms</td><td>2320 ms</td>"
    "<td>[scripted transcription: speech-like audio 0.0-2.3 s; the scripted engine does not recognise "
    "words]</td></tr></table><details><summary>13 words with timestamps</summary><table><tr><th>word</th>"
    "<th>start</th><th>end</th></tr><tr><td>[scripted</td><td>0 ms</td><td>178 ms</td></tr><tr>"
    "<td>transcription:</td><td>178 ms</td><td>357 ms</td></tr><tr><td>speech-like</td><td>357 ms</td>"
    "<td>535 ms</td></tr><tr><td>audio</td><td>535 ms</td><td>714 ms</td></tr><tr><td>0.0-2.3</td>"
    "<td>714 ms</td><td>892 ms</td></tr><tr><td>s;</td><td>892 ms</td><td>1071 ms</td></tr><tr>"
    "<td>the</td><td>1071 ms</td><td>1249 ms</td></tr><tr><td>scripted</td><td>1249 ms</td>"
    "<td>1428 ms</td></tr><tr><td>engine</td><td>1428 ms</td><td>1606 ms</td></tr><tr><td>does</td>"
    "<td>1606 ms</td><td>1785 ms</td></tr><tr><td>not</td><td>1785 ms</td><td>1963 ms</td></tr><tr>"
    "<td>recognise</td><td>1963 ms</td><td>2142 ms</td></tr><tr><td>words]</td><td>2142 ms</td>"
    "<td>2320 ms</td></tr></table></details></div>"
)

# stream: <StreamResult finish_reason=stop 229 chars>
STREAM_REPR = "<StreamResult finish_reason=stop 229 chars>"
STREAM_TEXT = (
    '[scripted reply] You said: "Hello". This conversation has 1 message (1 from the user). I am the '
    "emulator's scripted engine: I echo and count instead of understanding. Start the emulator with "
    "engine='local' for a real small model.\n"
    "\n"
    "finish_reason=stop · ttft T s · R tokens/s · 8 prompt + 55 completion = 63 tokens · filters: passed "
    "· request id: REQUEST-ID"
)

STREAM_HTML = (
    "<div><div>"
    "<p>[scripted reply] You said: &quot;Hello&quot;. This conversation has 1 message (1 from the user). "
    "I am the emulator's scripted engine: I echo and count instead of understanding. Start the emulator "
    "with engine='local' for a real small model.</p>\n"
    "</div><div><span>content filter: passed</span></div>"
    "<div>finish_reason=stop · ttft T s · R tokens/s · 8 prompt + 55 completion = 63 tokens · request "
    "id: REQUEST-ID</div></div>"
)

# error_prompt_filtered: <ErrorReport 400 BadRequestError content_filter>
ERROR_PROMPT_FILTERED_REPR = "<ErrorReport 400 BadRequestError content_filter>"
ERROR_PROMPT_FILTERED_TEXT = (
    "ErrorReport: 400 BadRequestError\n"
    "code: content_filter\n"
    "message: The response was filtered due to the prompt triggering Azure OpenAI's content management "
    "policy. Please modify your prompt and retry. To learn more about our content filtering policies "
    "please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766\n"
    "param: prompt\n"
    "meaning: Content filter: the prompt was blocked before the model answered (HTTP 400, no retry).\n"
    "fix: The prompt tripped the content filter (violence=high): rephrase it, or review the deployment's "
    "content-filter configuration. The filter results are below.\n"
    "retries: the SDK does not retry this; retried 0 times\n"
    "request id: REQUEST-ID\n"
    "request: POST "
    "http://127.0.0.1:PORT/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21\n"
    "\n"
    "FilterReport: prompt blocked (violence=high)\n"
    "where     category   result        filtered  detail\n"
    "prompt 0  hate       safe          no\n"
    "prompt 0  jailbreak  not detected  no\n"
    "prompt 0  self_harm  safe          no\n"
    "prompt 0  sexual     safe          no\n"
    "prompt 0  violence   high          FILTERED"
)

ERROR_PROMPT_FILTERED_HTML = (
    "<div><div>"
    "<span>400 BadRequestError</span> Content filter: the prompt was blocked before the model answered "
    "(HTTP 400, no retry).</div><table><tr><td>code</td><td>content_filter</td></tr><tr><td>message</td>"
    "<td>The response was filtered due to the prompt triggering Azure OpenAI&#x27;s content management "
    "policy. Please modify your prompt and retry. To learn more about our content filtering policies "
    "please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766</td></tr><tr>"
    "<td>param</td><td>prompt</td></tr><tr><td>fix</td><td>"
    "<b>The prompt tripped the content filter (violence=high): rephrase it, or review the "
    "deployment&#x27;s content-filter configuration. The filter results are below.</b></td></tr><tr>"
    "<td>retries</td><td>the SDK does not retry this; retried 0 times</td></tr><tr><td>request id</td>"
    "<td>REQUEST-ID</td></tr><tr><td>request</td><td>POST "
    "http://127.0.0.1:PORT/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21</td>"
    "</tr></table><div><div><span>content filter: prompt blocked</span> violence=high</div><table><tr>"
    "<th>where</th><th>category</th><th>result</th><th>filtered</th><th>detail</th></tr><tr>"
    "<td>prompt 0</td><td>hate</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>jailbreak</td><td>not detected</td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>self_harm</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>sexual</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>violence</td><td><span>high</span></td><td><b>filtered</b></td><td></td></tr>"
    "</table></div></div>"
)

# error_rate_limited: <ErrorReport 429 RateLimitError>
ERROR_RATE_LIMITED_REPR = "<ErrorReport 429 RateLimitError>"
ERROR_RATE_LIMITED_TEXT = (
    "ErrorReport: 429 RateLimitError\n"
    "code: 429\n"
    "message: Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 "
    "have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second. "
    "Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default "
    "rate limit.\n"
    "meaning: Rate limit: the deployment's requests- or tokens-per-minute quota is used up.\n"
    "fix: Quota used up: wait 1 s (retry-after), raise max_retries, send fewer or smaller requests "
    "(max_tokens), or raise the deployment's tokens-per-minute quota.\n"
    "retries: the SDK retries this; retried 0 times; retry-after 1 s\n"
    "request id: REQUEST-ID\n"
    "request: POST "
    "http://127.0.0.1:PORT/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
)

ERROR_RATE_LIMITED_HTML = (
    "<div><div>"
    "<span>429 RateLimitError</span> Rate limit: the deployment&#x27;s requests- or tokens-per-minute "
    "quota is used up.</div><table><tr><td>code</td><td>429</td></tr><tr><td>message</td>"
    "<td>Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have "
    "exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second. "
    "Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default "
    "rate limit.</td></tr><tr><td>fix</td><td>"
    "<b>Quota used up: wait 1 s (retry-after), raise max_retries, send fewer or smaller requests "
    "(max_tokens), or raise the deployment&#x27;s tokens-per-minute quota.</b></td></tr><tr>"
    "<td>retries</td><td>the SDK retries this; retried 0 times; retry-after 1 s</td></tr><tr>"
    "<td>request id</td><td>REQUEST-ID</td></tr><tr><td>request</td><td>POST "
    "http://127.0.0.1:PORT/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21</td>"
    "</tr></table></div>"
)

# error_deployment_not_found: <ErrorReport 404 NotFoundError DeploymentNotFound>
ERROR_DEPLOYMENT_NOT_FOUND_REPR = "<ErrorReport 404 NotFoundError DeploymentNotFound>"
ERROR_DEPLOYMENT_NOT_FOUND_TEXT = (
    "ErrorReport: 404 NotFoundError\n"
    "code: DeploymentNotFound\n"
    "message: The API deployment for this resource does not exist. If you created the deployment within "
    "the last 5 minutes, please wait a moment and try again.\n"
    "meaning: Not found: no deployment or route exists at this URL.\n"
    "fix: Check the deployment name: model= must be the name you gave the deployment (not the model's "
    "name). A deployment created in the last 5 minutes may not be visible yet.\n"
    "retries: the SDK does not retry this; retried 0 times\n"
    "request id: REQUEST-ID\n"
    "request: POST "
    "http://127.0.0.1:PORT/openai/deployments/no-such-deployment/chat/completions?api-version=2024-10-21"
)

ERROR_DEPLOYMENT_NOT_FOUND_HTML = (
    "<div><div><span>404 NotFoundError</span> Not found: no deployment or route exists at this URL.</div>"
    "<table><tr><td>code</td><td>DeploymentNotFound</td></tr><tr><td>message</td>"
    "<td>The API deployment for this resource does not exist. If you created the deployment within the "
    "last 5 minutes, please wait a moment and try again.</td></tr><tr><td>fix</td><td>"
    "<b>Check the deployment name: model= must be the name you gave the deployment (not the model&#x27;s "
    "name). A deployment created in the last 5 minutes may not be visible yet.</b></td></tr><tr>"
    "<td>retries</td><td>the SDK does not retry this; retried 0 times</td></tr><tr><td>request id</td>"
    "<td>REQUEST-ID</td></tr><tr><td>request</td><td>POST "
    "http://127.0.0.1:PORT/openai/deployments/no-such-deployment/chat/completions?api-version=2024-10-21<"
    "/td></tr></table></div>"
)

# error_images_policy: <ErrorReport 400 BadRequestError content_policy_violation>
ERROR_IMAGES_POLICY_REPR = "<ErrorReport 400 BadRequestError content_policy_violation>"
ERROR_IMAGES_POLICY_TEXT = (
    "ErrorReport: 400 BadRequestError\n"
    "code: content_policy_violation\n"
    "message: Your request was rejected as a result of our safety system. Your prompt may contain text "
    "that is not allowed by our safety system.\n"
    "meaning: Content filter: the prompt was blocked before the model answered (HTTP 400, no retry).\n"
    "fix: The prompt tripped the content filter (violence=high): rephrase it, or review the deployment's "
    "content-filter configuration. The filter results are below.\n"
    "retries: the SDK does not retry this; retried 0 times\n"
    "request id: REQUEST-ID\n"
    "request: POST "
    "http://127.0.0.1:PORT/openai/deployments/dall-e-3/images/generations?api-version=2024-10-21\n"
    "\n"
    "FilterReport: prompt blocked (violence=high)\n"
    "where     category   result        filtered  detail\n"
    "prompt 0  hate       safe          no\n"
    "prompt 0  jailbreak  not detected  no\n"
    "prompt 0  profanity  not detected  no\n"
    "prompt 0  self_harm  safe          no\n"
    "prompt 0  sexual     safe          no\n"
    "prompt 0  violence   high          FILTERED"
)

ERROR_IMAGES_POLICY_HTML = (
    "<div><div>"
    "<span>400 BadRequestError</span> Content filter: the prompt was blocked before the model answered "
    "(HTTP 400, no retry).</div><table><tr><td>code</td><td>content_policy_violation</td></tr><tr>"
    "<td>message</td>"
    "<td>Your request was rejected as a result of our safety system. Your prompt may contain text that "
    "is not allowed by our safety system.</td></tr><tr><td>fix</td><td>"
    "<b>The prompt tripped the content filter (violence=high): rephrase it, or review the "
    "deployment&#x27;s content-filter configuration. The filter results are below.</b></td></tr><tr>"
    "<td>retries</td><td>the SDK does not retry this; retried 0 times</td></tr><tr><td>request id</td>"
    "<td>REQUEST-ID</td></tr><tr><td>request</td><td>POST "
    "http://127.0.0.1:PORT/openai/deployments/dall-e-3/images/generations?api-version=2024-10-21</td>"
    "</tr></table><div><div><span>content filter: prompt blocked</span> violence=high</div><table><tr>"
    "<th>where</th><th>category</th><th>result</th><th>filtered</th><th>detail</th></tr><tr>"
    "<td>prompt 0</td><td>hate</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>jailbreak</td><td>not detected</td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>profanity</td><td>not detected</td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>self_harm</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>sexual</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>violence</td><td><span>high</span></td><td><b>filtered</b></td><td></td></tr>"
    "</table></div></div>"
)

# the spec-form error body (inner_error.content_filter_results), served to the SDK by httpx2.MockTransport
SPEC_FORM_ERROR_REPR = "<ErrorReport 400 BadRequestError content_filter>"
SPEC_FORM_ERROR_TEXT = (
    "ErrorReport: 400 BadRequestError\n"
    "code: content_filter\n"
    "message: The prompt was filtered.\n"
    "param: prompt\n"
    "meaning: Content filter: the prompt was blocked before the model answered (HTTP 400, no retry).\n"
    "fix: The prompt tripped the content filter (jailbreak=detected, violence=medium): rephrase it, or "
    "review the deployment's content-filter configuration. The filter results are below.\n"
    "retries: the SDK does not retry this; retried 0 times\n"
    "request id: REQUEST-ID\n"
    "request: POST "
    "https://example-resource.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?api-versio"
    "n=2024-10-21\n"
    "\n"
    "FilterReport: prompt blocked (jailbreak=detected, violence=medium)\n"
    "where     category   result    filtered  detail\n"
    "prompt 0  hate       safe      no\n"
    "prompt 0  jailbreak  detected  FILTERED\n"
    "prompt 0  self_harm  safe      no\n"
    "prompt 0  sexual     safe      no\n"
    "prompt 0  violence   medium    FILTERED"
)

SPEC_FORM_ERROR_HTML = (
    "<div><div>"
    "<span>400 BadRequestError</span> Content filter: the prompt was blocked before the model answered "
    "(HTTP 400, no retry).</div><table><tr><td>code</td><td>content_filter</td></tr><tr><td>message</td>"
    "<td>The prompt was filtered.</td></tr><tr><td>param</td><td>prompt</td></tr><tr><td>fix</td><td>"
    "<b>The prompt tripped the content filter (jailbreak=detected, violence=medium): rephrase it, or "
    "review the deployment&#x27;s content-filter configuration. The filter results are below.</b></td>"
    "</tr><tr><td>retries</td><td>the SDK does not retry this; retried 0 times</td></tr><tr>"
    "<td>request id</td><td>REQUEST-ID</td></tr><tr><td>request</td><td>POST "
    "https://example-resource.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?api-versio"
    "n=2024-10-21</td></tr></table><div><div>"
    "<span>content filter: prompt blocked</span> jailbreak=detected, violence=medium</div><table><tr>"
    "<th>where</th><th>category</th><th>result</th><th>filtered</th><th>detail</th></tr><tr>"
    "<td>prompt 0</td><td>hate</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>jailbreak</td><td>detected</td><td><b>filtered</b></td><td></td></tr><tr>"
    "<td>prompt 0</td><td>self_harm</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>sexual</td><td><span>safe</span></td><td>no</td><td></td></tr><tr>"
    "<td>prompt 0</td><td>violence</td><td><span>medium</span></td><td><b>filtered</b></td><td></td></tr>"
    "</table></div></div>"
)
