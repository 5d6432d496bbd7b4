package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/** The README's Java API example, verbatim apart from the model path, and a check that the README still shows it. */
class ReadmeExampleTest {

    @Test
    void readmeExampleRuns() throws Exception {
        Path modelPath = TestData.model("stories260K.gguf");
        GenerationResult first;
        GenerationResult second;
        // --- begin README example (Path.of("stories260K.gguf") replaced by modelPath) ---
        try (LlamaModel model = LlamaModel.load(modelPath, ModelOptions.defaults());
             Conversation chat = model.newConversation()) {
            chat.setSystem("Answer briefly.");
            GenerationOptions options = new GenerationOptions(64, SamplingParams.defaults(42), List.of(), true);
            GenerationResult r = chat.chat("Tell me a story.", options, (id, text) -> System.out.print(text));
            System.out.println("\n" + r.usage());   // prompt, completion and cached token counts

            TokenPublisher stream = chat.stream("And then?", GenerationOptions.greedy(64));
            stream.subscribe(new Flow.Subscriber<TokenEvent>() {
                public void onSubscribe(Flow.Subscription s) { s.request(Long.MAX_VALUE); }
                public void onNext(TokenEvent e) { System.out.print(e.text()); }
                public void onError(Throwable t) { t.printStackTrace(); }
                public void onComplete() { System.out.println(); }
            });
            stream.result().join();                 // or cancel the subscription to stop early
        // --- end README example ---
            first = r;
            second = stream.result().join();
            assertEquals(5, chat.messages().size());
        }
        assertTrue(first.usage().completionTokens() >= 1);
        assertTrue(second.usage().cachedTokens() > 0);
    }

    @Test
    void readmeShowsTheExample() throws IOException {
        String readme = Files.readString(Path.of(System.getProperty("user.dir"), "README.md"));
        assertTrue(readme.contains("GenerationResult r = chat.chat(\"Tell me a story.\", options, (id, text) -> "
                + "System.out.print(text));"));
        assertTrue(readme.contains("TokenPublisher stream = chat.stream(\"And then?\", GenerationOptions.greedy(64));"));
        assertTrue(readme.contains("bin/llama4j chat --model"));
    }
}
