// Command sdkcheck drives Azure OpenAI (or the aoai-nb emulator) through the Go client library azopenai, after
// the library's own examples, and prints one JSON line per capability for tests/sdks/test_sdks.py to check.
//
// Endpoint and key come from AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY; deployment names from flags, else
// the AZURE_OPENAI_*_DEPLOYMENT variables, else the emulator's default deployments. The key is never printed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/ai/azopenai"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
)

type deployments struct {
	chat, embeddings, images, transcription, speech, completions string
}

func fromEnv(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func parseFlags() deployments {
	var d deployments
	flag.StringVar(&d.chat, "chat", fromEnv("AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o-mini"), "chat deployment")
	flag.StringVar(&d.embeddings, "embeddings", fromEnv("AZURE_OPENAI_EMBEDDINGS_DEPLOYMENT", "text-embedding-3-small"), "embeddings deployment")
	flag.StringVar(&d.images, "images", fromEnv("AZURE_OPENAI_IMAGES_DEPLOYMENT", "dall-e-3"), "images deployment")
	flag.StringVar(&d.transcription, "transcription", fromEnv("AZURE_OPENAI_TRANSCRIPTION_DEPLOYMENT", "whisper"), "transcription deployment")
	flag.StringVar(&d.speech, "speech", fromEnv("AZURE_OPENAI_SPEECH_DEPLOYMENT", "tts"), "speech deployment")
	flag.StringVar(&d.completions, "completions", fromEnv("AZURE_OPENAI_COMPLETIONS_DEPLOYMENT", "gpt-35-turbo-instruct"), "completions deployment")
	flag.Parse()
	return d
}

// emit prints one machine-checkable line: {"check": name, ...fields}.
func emit(name string, fields map[string]any) {
	fields["check"] = name
	line, err := json.Marshal(fields)
	if err != nil {
		fail(name, err)
	}
	fmt.Println(string(line))
}

func fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s failed: %v\n", name, err)
	os.Exit(1)
}

// pirate is the conversation of the library's chat examples.
func pirate() []azopenai.ChatRequestMessageClassification {
	return []azopenai.ChatRequestMessageClassification{
		&azopenai.ChatRequestSystemMessage{Content: azopenai.NewChatRequestSystemMessageContent("You are a helpful assistant. You will talk like a pirate.")},
		&azopenai.ChatRequestUserMessage{Content: azopenai.NewChatRequestUserMessageContent("Can you help me?")},
		&azopenai.ChatRequestAssistantMessage{Content: azopenai.NewChatRequestAssistantMessageContent("Arrrr! Of course, me hearty! What can I do for ye?")},
		&azopenai.ChatRequestUserMessage{Content: azopenai.NewChatRequestUserMessageContent("What's the best way to train a parrot?")},
	}
}

func severity(r *azopenai.ContentFilterResult) map[string]any {
	if r == nil {
		return nil
	}
	out := map[string]any{}
	if r.Severity != nil {
		out["severity"] = string(*r.Severity)
	}
	if r.Filtered != nil {
		out["filtered"] = *r.Filtered
	}
	return out
}

func chat(ctx context.Context, client *azopenai.Client, d deployments) {
	resp, err := client.GetChatCompletions(ctx, azopenai.ChatCompletionsOptions{
		Messages:       pirate(),
		DeploymentName: &d.chat,
	}, nil)
	if err != nil {
		fail("chat", err)
	}
	choices := []map[string]any{}
	for _, choice := range resp.Choices {
		entry := map[string]any{"index": *choice.Index}
		if choice.Message != nil && choice.Message.Content != nil {
			entry["content"] = *choice.Message.Content
		}
		if choice.FinishReason != nil {
			entry["finish_reason"] = string(*choice.FinishReason)
		}
		if cf := choice.ContentFilterResults; cf != nil {
			entry["content_filter"] = map[string]any{
				"hate": severity(cf.Hate), "self_harm": severity(cf.SelfHarm),
				"sexual": severity(cf.Sexual), "violence": severity(cf.Violence),
			}
		}
		choices = append(choices, entry)
	}
	prompts := 0
	if resp.PromptFilterResults != nil {
		prompts = len(resp.PromptFilterResults)
	}
	emit("chat", map[string]any{"model": *resp.Model, "choices": choices, "prompt_filter_results": prompts})
}

func stream(ctx context.Context, client *azopenai.Client, d deployments) {
	resp, err := client.GetChatCompletionsStream(ctx, azopenai.ChatCompletionsStreamOptions{
		Messages:       pirate(),
		N:              to.Ptr[int32](1),
		DeploymentName: &d.chat,
	}, nil)
	if err != nil {
		fail("stream", err)
	}
	defer resp.ChatCompletionsStream.Close()
	type choiceState struct {
		role   string
		text   strings.Builder
		deltas int
		finish string
	}
	states := map[int32]*choiceState{}
	events := 0
	for {
		chunk, err := resp.ChatCompletionsStream.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail("stream", err)
		}
		events++
		for _, choice := range chunk.Choices {
			state, ok := states[*choice.Index]
			if !ok {
				state = &choiceState{}
				states[*choice.Index] = state
			}
			if choice.Delta != nil {
				if choice.Delta.Role != nil {
					state.role = string(*choice.Delta.Role)
				}
				if choice.Delta.Content != nil && *choice.Delta.Content != "" {
					state.text.WriteString(*choice.Delta.Content)
					state.deltas++
				}
			}
			if choice.FinishReason != nil {
				state.finish = string(*choice.FinishReason)
			}
		}
	}
	indexes := make([]int32, 0, len(states))
	for index := range states {
		indexes = append(indexes, index)
	}
	slices.Sort(indexes)
	choices := []map[string]any{}
	for _, index := range indexes {
		state := states[index]
		choices = append(choices, map[string]any{
			"index": index, "role": state.role, "content": state.text.String(),
			"deltas": state.deltas, "finish_reason": state.finish,
		})
	}
	emit("stream", map[string]any{"events": events, "choices": choices})
}

func embeddings(ctx context.Context, client *azopenai.Client, d deployments) {
	resp, err := client.GetEmbeddings(ctx, azopenai.EmbeddingsOptions{
		Input:          []string{"The food was delicious and the waiter...", "A parrot learns words by repetition."},
		DeploymentName: &d.embeddings,
	}, nil)
	if err != nil {
		fail("embeddings", err)
	}
	dims := []int{}
	for _, item := range resp.Data {
		dims = append(dims, len(item.Embedding))
	}
	emit("embeddings", map[string]any{"count": len(resp.Data), "dimensions": dims, "prompt_tokens": *resp.Usage.PromptTokens})
}

func images(ctx context.Context, client *azopenai.Client, d deployments) {
	resp, err := client.GetImageGenerations(ctx, azopenai.ImageGenerationOptions{
		Prompt:         to.Ptr("a cat"),
		ResponseFormat: to.Ptr(azopenai.ImageGenerationResponseFormatURL),
		DeploymentName: &d.images,
	}, nil)
	if err != nil {
		fail("images", err)
	}
	heads := []map[string]any{}
	for _, image := range resp.Data {
		head, err := http.Head(*image.URL)
		if err != nil {
			fail("images", err)
		}
		_ = head.Body.Close()
		entry := map[string]any{"status": head.StatusCode, "content_type": head.Header.Get("Content-Type")}
		if image.RevisedPrompt != nil {
			entry["revised_prompt"] = *image.RevisedPrompt
		}
		heads = append(heads, entry)
	}
	emit("images", map[string]any{"images": heads})
}

func completions(ctx context.Context, client *azopenai.Client, d deployments) {
	resp, err := client.GetCompletions(ctx, azopenai.CompletionsOptions{
		Prompt:         []string{"What is Azure OpenAI, in 20 words or less"},
		MaxTokens:      to.Ptr(int32(2048)),
		Temperature:    to.Ptr(float32(0.0)),
		DeploymentName: &d.completions,
	}, nil)
	if err != nil {
		fail("completions", err)
	}
	texts := []string{}
	for _, choice := range resp.Choices {
		texts = append(texts, *choice.Text)
	}
	emit("completions", map[string]any{"texts": texts})
}

// speech returns the FLAC audio it got, so that transcription can send it back.
func speech(ctx context.Context, client *azopenai.Client, d deployments) []byte {
	resp, err := client.GenerateSpeechFromText(ctx, azopenai.SpeechGenerationOptions{
		Input:          to.Ptr("i am a computer"),
		Voice:          to.Ptr(azopenai.SpeechVoiceAlloy),
		ResponseFormat: to.Ptr(azopenai.SpeechGenerationResponseFormatFlac),
		DeploymentName: &d.speech,
	}, nil)
	if err != nil {
		fail("speech", err)
	}
	defer resp.Body.Close()
	audio, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("speech", err)
	}
	magic := ""
	if len(audio) >= 4 {
		magic = string(audio[:4])
	}
	emit("speech", map[string]any{"bytes": len(audio), "magic": magic})
	return audio
}

func transcription(ctx context.Context, client *azopenai.Client, d deployments, audio []byte) {
	resp, err := client.GetAudioTranscription(ctx, azopenai.AudioTranscriptionOptions{
		File:           audio,
		Filename:       to.Ptr("speech.flac"),
		ResponseFormat: to.Ptr(azopenai.AudioTranscriptionFormatText),
		DeploymentName: &d.transcription,
	}, nil)
	if err != nil {
		fail("transcription", err)
	}
	emit("transcription", map[string]any{"text": *resp.Text})
}

func badDeployment(ctx context.Context, client *azopenai.Client) {
	_, err := client.GetChatCompletions(ctx, azopenai.ChatCompletionsOptions{
		Messages:       pirate(),
		DeploymentName: to.Ptr("no-such-deployment"),
	}, nil)
	var respErr *azcore.ResponseError
	if !errors.As(err, &respErr) {
		fail("error", fmt.Errorf("wanted an *azcore.ResponseError, got %v", err))
	}
	emit("error", map[string]any{
		"status": respErr.StatusCode, "code": respErr.ErrorCode,
		"request_id": respErr.RawResponse.Header.Get("apim-request-id"),
	})
}

// blockedPrompt asks the emulator (its teaching header) to filter the prompt; the library turns Azure's 400
// into a *azopenai.ContentFilterResponseError carrying the categories.
func blockedPrompt(ctx context.Context, client *azopenai.Client, d deployments) {
	ctx = policy.WithHTTPHeader(ctx, http.Header{"x-aoai-nb-filter": []string{"prompt:violence=high"}})
	_, err := client.GetChatCompletions(ctx, azopenai.ChatCompletionsOptions{
		Messages:       pirate(),
		DeploymentName: &d.chat,
	}, nil)
	var filterErr *azopenai.ContentFilterResponseError
	if !errors.As(err, &filterErr) {
		fail("content_filter_error", fmt.Errorf("wanted an *azopenai.ContentFilterResponseError, got %v", err))
	}
	emit("content_filter_error", map[string]any{
		"status": filterErr.StatusCode, "code": filterErr.ErrorCode,
		"violence": severity(filterErr.ContentFilterResults.Violence),
		"hate":     severity(filterErr.ContentFilterResults.Hate),
	})
}

func main() {
	d := parseFlags()
	endpoint, key := os.Getenv("AZURE_OPENAI_ENDPOINT"), os.Getenv("AZURE_OPENAI_API_KEY")
	if endpoint == "" || key == "" {
		fmt.Fprintln(os.Stderr, "set AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY")
		os.Exit(2)
	}
	// The emulator serves plain http on loopback; azcore refuses to send a key over http unless told to.
	options := &azopenai.ClientOptions{}
	options.InsecureAllowCredentialWithHTTP = strings.HasPrefix(endpoint, "http://")
	client, err := azopenai.NewClientWithKeyCredential(endpoint, azcore.NewKeyCredential(key), options)
	if err != nil {
		fail("client", err)
	}
	ctx := context.Background()
	chat(ctx, client, d)
	stream(ctx, client, d)
	embeddings(ctx, client, d)
	images(ctx, client, d)
	completions(ctx, client, d)
	audio := speech(ctx, client, d)
	transcription(ctx, client, d, audio)
	badDeployment(ctx, client)
	blockedPrompt(ctx, client, d)
}
