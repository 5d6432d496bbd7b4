package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.backend.Backends;
import dev.llama4j.chat.Llama2ChatTemplate;
import dev.llama4j.chat.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Conversations on stories260K (not a chat model: the mechanics are tested, not the answers' quality). */
class ConversationTest {
    static LlamaModel model;

    @BeforeAll
    static void load() {
        model = LlamaModel.load(TestData.model("stories260K.gguf"),
                ModelOptions.defaults().withBackend(new Backends.Options(Backends.Choice.CPU, 2, false)));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) {
            n++;
        }
        return n;
    }

    @Test
    void secondTurnProcessesOnlyItsNewTokens() {
        Llama2ChatTemplate ref = new Llama2ChatTemplate();
        try (Conversation c = model.newConversation()) {
            assertInstanceOf(Llama2ChatTemplate.class, c.template()); // the GGUF has no chat template
            c.setSystem("Tell a story.");
            GenerationResult r1 = c.chat("Once upon a time", GenerationOptions.greedy(12), null);
            int[] want1 = ref.encode(List.of(Message.system("Tell a story."), Message.user("Once upon a time")),
                    model.tokenizer(), true);
            assertArrayEquals(want1, r1.promptIds());
            assertEquals(want1.length, r1.timings().promptTokens()); // a fresh context processes everything
            int[] after1 = c.context().tokens();
            assertArrayEquals(want1, Arrays.copyOf(after1, want1.length));

            GenerationResult r2 = c.chat("Then a dog came.", GenerationOptions.greedy(12), null);
            int[] want2 = ref.encode(List.of(Message.system("Tell a story."), Message.user("Once upon a time"),
                    Message.assistant(r1.text()), Message.user("Then a dog came.")), model.tokenizer(), true);
            assertArrayEquals(want2, r2.promptIds());
            int reused = commonPrefix(after1, want2);
            assertTrue(reused >= want1.length, "the whole first prompt stays in the cache: " + reused);
            assertEquals(want2.length - reused, r2.timings().promptTokens());
            assertEquals(new Usage(want2.length, r2.generatedIds().length, reused), r2.usage());
            assertEquals(4, c.messages().size() - 1);
            assertEquals(Message.assistant(r2.text()), c.messages().getLast());

            // the reused cache gives exactly what a fresh context gives for the whole dialog
            try (LlamaContext fresh = model.newContext()) {
                GenerationResult f = fresh.generate(want2, GenerationOptions.greedy(12), null);
                assertArrayEquals(f.generatedIds(), r2.generatedIds());
                assertEquals(f.text(), r2.text());
            }
        }
    }

    @Test
    void oldTurnsAreDroppedKeepingTheSystemPrompt() {
        try (LlamaContext ctx = model.newContext(160)) {
            Conversation c = new Conversation(ctx, model.chatTemplate("llama2"));
            c.setSystem("Be kind.");
            List<Integer> dropped = new ArrayList<>();
            c.onTurnsDropped(dropped::add);
            for (int i = 0; i < 8; i++) {
                int before = dropped.size();
                GenerationResult r = c.chat("Tom had a red ball number " + i + ".", GenerationOptions.greedy(16),
                        null);
                assertTrue(r.promptIds().length + Math.min(16, 160 / 4) <= 160, "turn " + i);
                assertEquals(Message.system("Be kind."), c.messages().getFirst());
                assertEquals(Message.user("Tom had a red ball number " + i + "."),
                        c.messages().get(c.messages().size() - 2));
                assertEquals(dropped.size() == before ? 0 : dropped.getLast(), c.lastDroppedTurns());
            }
            assertFalse(dropped.isEmpty(), "eight turns cannot fit 160 positions");
            int kept = (c.messages().size() - 1) / 2;
            assertEquals(8, kept + dropped.stream().mapToInt(Integer::intValue).sum());
        }
    }

    @Test
    void streamDeliversTheSameTokensAsChat() throws Exception {
        GenerationResult direct;
        try (Conversation c = model.newConversation()) {
            direct = c.chat("Once upon a time", GenerationOptions.greedy(20), null);
        }
        try (Conversation c = model.newConversation()) {
            List<TokenEvent> events = new ArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            c.stream("Once upon a time", GenerationOptions.greedy(20)).subscribe(new Flow.Subscriber<>() {
                public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                public void onNext(TokenEvent e) {
                    events.add(e);
                }

                public void onError(Throwable t) {
                    done.countDown();
                }

                public void onComplete() {
                    done.countDown();
                }
            });
            assertTrue(done.await(60, TimeUnit.SECONDS));
            TokenEvent last = events.getLast();
            assertTrue(last.isLast());
            assertArrayEquals(direct.generatedIds(), last.result().generatedIds());
            assertArrayEquals(direct.generatedIds(),
                    events.stream().filter(e -> !e.isLast()).mapToInt(TokenEvent::tokenId).toArray());
            StringBuilder text = new StringBuilder();
            events.forEach(e -> text.append(e.text()));
            assertEquals(direct.text(), text.toString());
            assertEquals(Message.assistant(direct.text()), c.messages().getLast());
        }
    }

    @Test
    void cancellingTheSubscriptionStopsGeneration() throws Exception {
        try (LlamaContext ctx = model.newContext()) {
            TokenPublisher p = ctx.generateAsync("Once upon a time", GenerationOptions.greedy(150));
            List<TokenEvent> events = new ArrayList<>();
            p.subscribe(new Flow.Subscriber<>() {
                Flow.Subscription sub;

                public void onSubscribe(Flow.Subscription s) {
                    sub = s;
                    s.request(1);
                }

                public void onNext(TokenEvent e) {
                    events.add(e);
                    if (events.size() == 3) {
                        sub.cancel();
                    } else {
                        sub.request(1);
                    }
                }

                public void onError(Throwable t) {}

                public void onComplete() {}
            });
            GenerationResult r = p.result().get(60, TimeUnit.SECONDS);
            assertEquals(StopReason.CANCELLED, r.stopReason());
            assertEquals(3, events.size());
            assertTrue(r.generatedIds().length >= 3 && r.generatedIds().length <= 5, r.generatedIds().length + "");
            assertArrayEquals(events.stream().mapToInt(TokenEvent::tokenId).toArray(),
                    Arrays.copyOf(r.generatedIds(), 3));
        }
    }

    @Test
    void moderationRefusesInputAndOutputLeavingTheHistory() {
        try (Conversation c = model.newConversation()) {
            c.setModeration((text, dir) -> dir == Moderation.Direction.INPUT && text.contains("forbidden")
                    ? Moderation.Verdict.refuse("test rule") : Moderation.Verdict.ALLOW);
            Moderation.RefusedException e = assertThrows(Moderation.RefusedException.class,
                    () -> c.chat("a forbidden thing", GenerationOptions.greedy(4), null));
            assertEquals(Moderation.Direction.INPUT, e.direction());
            assertTrue(e.getMessage().contains("test rule"), e.getMessage());
            assertTrue(c.messages().isEmpty());
            c.setModeration((text, dir) -> dir == Moderation.Direction.OUTPUT
                    ? Moderation.Verdict.refuse("no answers") : Moderation.Verdict.ALLOW);
            assertThrows(Moderation.RefusedException.class, () -> c.chat("hi", GenerationOptions.greedy(4), null));
            assertTrue(c.messages().isEmpty());
            c.setModeration(null);
            c.chat("hi", GenerationOptions.greedy(4), null);
            assertEquals(2, c.messages().size());
            c.reset();
            assertTrue(c.messages().isEmpty());
            assertEquals(0, c.context().position());
        }
    }
}
