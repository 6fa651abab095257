package aoainb.sdkcheck;

import com.azure.ai.openai.OpenAIClient;
import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.models.AudioTranscription;
import com.azure.ai.openai.models.AudioTranscriptionFormat;
import com.azure.ai.openai.models.AudioTranscriptionOptions;
import com.azure.ai.openai.models.ChatChoice;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatMessageContentItem;
import com.azure.ai.openai.models.ChatMessageImageContentItem;
import com.azure.ai.openai.models.ChatMessageImageUrl;
import com.azure.ai.openai.models.ChatMessageTextContentItem;
import com.azure.ai.openai.models.ChatRequestAssistantMessage;
import com.azure.ai.openai.models.ChatRequestMessage;
import com.azure.ai.openai.models.ChatRequestSystemMessage;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.ai.openai.models.ContentFilterResultsForChoice;
import com.azure.ai.openai.models.EmbeddingItem;
import com.azure.ai.openai.models.Embeddings;
import com.azure.ai.openai.models.EmbeddingsOptions;
import com.azure.ai.openai.models.ImageGenerationData;
import com.azure.ai.openai.models.ImageGenerationOptions;
import com.azure.ai.openai.models.ImageGenerations;
import com.azure.ai.openai.models.SpeechGenerationOptions;
import com.azure.ai.openai.models.SpeechGenerationResponseFormat;
import com.azure.ai.openai.models.SpeechVoice;
import com.azure.core.credential.AzureKeyCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.rest.RequestOptions;
import com.azure.core.util.BinaryData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Drives Azure OpenAI (or the aoai-nb emulator) through azure-ai-openai, after the library's samples, and prints one
 * JSON line per capability on stdout for tests/sdks/test_sdks.py. The HTTP log (BODY_AND_HEADERS, the key redacted
 * by azure-core) goes to stderr.
 *
 * <p>Environment: AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, and AZURE_OPENAI_*_DEPLOYMENT (defaults: the
 * emulator's deployments).
 */
public final class Main {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Main() {}

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static void emit(String check, Map<String, Object> fields) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("check", check);
        line.putAll(fields);
        System.out.println(JSON.writeValueAsString(line));
    }

    private static List<ChatRequestMessage> pirate() {
        return Arrays.asList(
                new ChatRequestSystemMessage("You are a helpful assistant. You will talk like a pirate."),
                new ChatRequestUserMessage("Can you help me?"),
                new ChatRequestAssistantMessage("Of course, me hearty! What can I do for ye?"),
                new ChatRequestUserMessage("What's the best way to train a parrot?"));
    }

    private static Map<String, Object> filters(ContentFilterResultsForChoice results) {
        Map<String, Object> out = new TreeMap<>();
        if (results != null && results.getHate() != null) {
            out.put("hate", results.getHate().getSeverity().toString());
            out.put("self_harm", results.getSelfHarm().getSeverity().toString());
            out.put("sexual", results.getSexual().getSeverity().toString());
            out.put("violence", results.getViolence().getSeverity().toString());
        }
        return out;
    }

    private static void chat(OpenAIClient client, String deployment) throws IOException {
        ChatCompletions completions = client.getChatCompletions(deployment, new ChatCompletionsOptions(pirate()));
        List<Map<String, Object>> choices = new ArrayList<>();
        for (ChatChoice choice : completions.getChoices()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", choice.getIndex());
            entry.put("role", choice.getMessage().getRole().toString());
            entry.put("content", choice.getMessage().getContent());
            entry.put("finish_reason", choice.getFinishReason().toString());
            entry.put("content_filter", filters(choice.getContentFilterResults()));
            choices.add(entry);
        }
        emit("chat", Map.of("model", completions.getModel(), "choices", choices,
                "total_tokens", completions.getUsage().getTotalTokens()));
    }

    private static void stream(OpenAIClient client, String deployment) throws IOException {
        StringBuilder text = new StringBuilder();
        String role = "";
        String finish = "";
        int events = 0;
        for (ChatCompletions chunk : client.getChatCompletionsStream(deployment, new ChatCompletionsOptions(pirate()))) {
            events++;
            for (ChatChoice choice : chunk.getChoices()) {
                if (choice.getDelta() != null && choice.getDelta().getRole() != null) {
                    role = choice.getDelta().getRole().toString();
                }
                if (choice.getDelta() != null && choice.getDelta().getContent() != null) {
                    text.append(choice.getDelta().getContent());
                }
                if (choice.getFinishReason() != null) {
                    finish = choice.getFinishReason().toString();
                }
            }
        }
        emit("stream", Map.of("events", events, "role", role, "content", text.toString(), "finish_reason", finish));
    }

    /** A small PNG made here, sent as a data URL (the library's vision sample sends an image URL). */
    private static String pngDataUrl() throws IOException {
        BufferedImage image = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 32; x++) {
            for (int y = 0; y < 16; y++) {
                image.setRGB(x, y, Color.RED.getRGB());
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
    }

    private static void vision(OpenAIClient client, String deployment) throws IOException {
        List<ChatMessageContentItem> parts = Arrays.asList(
                new ChatMessageTextContentItem("Describe this picture in one sentence."),
                new ChatMessageImageContentItem(new ChatMessageImageUrl(pngDataUrl())));
        List<ChatRequestMessage> messages = Arrays.asList(
                new ChatRequestSystemMessage("You are a helpful assistant that describes images."),
                new ChatRequestUserMessage(parts));
        ChatCompletions completions = client.getChatCompletions(deployment, new ChatCompletionsOptions(messages));
        emit("vision", Map.of("content", completions.getChoices().get(0).getMessage().getContent(),
                "prompt_tokens", completions.getUsage().getPromptTokens()));
    }

    private static void embeddings(OpenAIClient client, String deployment) throws IOException {
        Embeddings result = client.getEmbeddings(deployment, new EmbeddingsOptions(
                Arrays.asList("The food was delicious and the waiter...", "A parrot learns words by repetition.")));
        List<Integer> dimensions = new ArrayList<>();
        for (EmbeddingItem item : result.getData()) {
            dimensions.add(item.getEmbedding().size());
        }
        emit("embeddings", Map.of("count", result.getData().size(), "dimensions", dimensions));
    }

    private static void images(OpenAIClient client, String deployment) throws IOException, InterruptedException {
        ImageGenerations result = client.getImageGenerations(deployment, new ImageGenerationOptions("a cat"));
        List<Map<String, Object>> fetched = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        for (ImageGenerationData image : result.getData()) {
            HttpResponse<byte[]> png = http.send(HttpRequest.newBuilder(URI.create(image.getUrl())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            fetched.add(Map.of("status", png.statusCode(),
                    "magic", new String(png.body(), 1, 3, StandardCharsets.US_ASCII),
                    "revised_prompt", image.getRevisedPrompt()));
        }
        emit("images", Map.of("images", fetched));
    }

    private static byte[] speech(OpenAIClient client, String deployment) throws IOException {
        SpeechGenerationOptions options = new SpeechGenerationOptions("i am a computer", SpeechVoice.ALLOY)
                .setResponseFormat(SpeechGenerationResponseFormat.WAV);
        byte[] wav = client.generateSpeechFromText(deployment, options).toBytes();
        emit("speech", Map.of("bytes", wav.length, "riff", new String(wav, 0, 4, StandardCharsets.US_ASCII),
                "wave", new String(wav, 8, 4, StandardCharsets.US_ASCII)));
        return wav;
    }

    private static void transcription(OpenAIClient client, String deployment, byte[] wav) throws IOException {
        AudioTranscriptionOptions options = new AudioTranscriptionOptions(wav)
                .setResponseFormat(AudioTranscriptionFormat.JSON);
        AudioTranscription transcription = client.getAudioTranscription(deployment, "speech.wav", options);
        emit("transcription", Map.of("text", transcription.getText()));
    }

    private static void badDeployment(OpenAIClient client) throws IOException {
        try {
            client.getChatCompletions("no-such-deployment", new ChatCompletionsOptions(pirate()));
            emit("error", Map.of("raised", false));
        } catch (HttpResponseException error) {
            String body = BinaryData.fromObject(error.getValue()).toString();
            emit("error", Map.of("raised", true, "exception", error.getClass().getSimpleName(),
                    "status", error.getResponse().getStatusCode(),
                    "code", JSON.readTree(body).path("error").path("code").asText()));
        }
    }

    /** The emulator's teaching header filters the prompt: Azure's 400, its categories under innererror. */
    private static void blockedPrompt(OpenAIClient client, String deployment) throws IOException {
        RequestOptions filtered = new RequestOptions().addHeader("x-aoai-nb-filter", "prompt:violence=high");
        try {
            client.getChatCompletionsWithResponse(deployment, new ChatCompletionsOptions(pirate()), filtered);
            emit("content_filter_error", Map.of("raised", false));
        } catch (HttpResponseException error) {
            JsonNode body = JSON.readTree(BinaryData.fromObject(error.getValue()).toString()).path("error");
            JsonNode violence = body.path("innererror").path("content_filter_result").path("violence");
            emit("content_filter_error", Map.of("raised", true, "status", error.getResponse().getStatusCode(),
                    "code", body.path("code").asText(), "violence", JSON.treeToValue(violence, Map.class)));
        }
    }

    public static void main(String[] args) throws Exception {
        String endpoint = System.getenv("AZURE_OPENAI_ENDPOINT");
        String key = System.getenv("AZURE_OPENAI_API_KEY");
        if (endpoint == null || key == null) {
            System.err.println("set AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY");
            System.exit(2);
        }
        OpenAIClient client = new OpenAIClientBuilder()
                .endpoint(endpoint)
                .credential(new AzureKeyCredential(key))
                // every header not allowed here is logged as redacted: api-key always is
                .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.BODY_AND_HEADERS)
                        .addAllowedHeaderName("apim-request-id").addAllowedHeaderName("x-aoai-nb-engine"))
                .buildClient();
        String chatDeployment = env("AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o-mini");
        chat(client, chatDeployment);
        stream(client, chatDeployment);
        vision(client, chatDeployment);
        embeddings(client, env("AZURE_OPENAI_EMBEDDINGS_DEPLOYMENT", "text-embedding-3-small"));
        images(client, env("AZURE_OPENAI_IMAGES_DEPLOYMENT", "dall-e-3"));
        byte[] wav = speech(client, env("AZURE_OPENAI_SPEECH_DEPLOYMENT", "tts"));
        transcription(client, env("AZURE_OPENAI_TRANSCRIPTION_DEPLOYMENT", "whisper"), wav);
        badDeployment(client);
        blockedPrompt(client, chatDeployment);
    }
}
