package dev.llama4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama4j.Llama4jException;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.Tokenizers;
import dev.llama4j.tokenizer.SentencePieceBpe;
import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code llama4j tokenize}: token ids (and pieces) of a text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Show the token ids of a text.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "A GGUF model or vocabulary, a llama2.c checkpoint, or a llama2.c tokenizer.bin.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer file (llama2.c tokenizer.bin or GGUF vocabulary); default: the model's.")
    Path tokenizer;

    @Option(names = "--json", description = "Print one JSON object: ids, pieces, count.")
    boolean json;

    @Option(names = "--no-bos", description = "Do not prepend BOS.")
    boolean noBos;

    @Parameters(paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = new SentencePieceBpe(vocabulary());
        int[] ids = tok.encode(text, !noBos);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode root = om.createObjectNode();
            ArrayNode a = root.putArray("ids");
            ArrayNode p = root.putArray("pieces");
            for (int id : ids) {
                a.add(id);
                p.add(tok.vocabulary().piece(id));
            }
            root.put("count", ids.length);
            out.println(om.writeValueAsString(root));
        } else {
            for (int id : ids) {
                out.printf("%6d  %s%n", id, shown(tok, id));
            }
            out.printf("%d tokens%n", ids.length);
        }
        out.flush();
        return 0;
    }

    private static String shown(Tokenizer tok, int id) {
        String piece = tok.vocabulary().piece(id);
        String bytes = new String(tok.decodePiece(id), StandardCharsets.UTF_8);
        return bytes.isEmpty() || bytes.equals(piece.replace(Vocabulary.SPACE_MARK, ' '))
                ? "'" + piece + "'" : "'" + piece + "' -> '" + bytes + "'";
    }

    private Vocabulary vocabulary() {
        if (tokenizer != null) {
            return Tokenizers.readVocabulary(tokenizer, -1);
        }
        if (ModelFiles.isGguf(model)) {
            return Tokenizers.readVocabulary(model, -1);
        }
        ModelFile m;
        try {
            m = ModelFiles.open(model);
        } catch (Llama4jException notCheckpoint) {
            try {
                return Tokenizers.readVocabulary(model, -1);
            } catch (Llama4jException notTokenizer) {
                throw Unrecognised.file(model, notCheckpoint, notTokenizer);
            }
        }
        try (m) {
            return Tokenizers.load(m, null).vocabulary();
        }
    }
}
