package dev.llama4j.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** A size such as {@code 8G}, {@code 8GB}, {@code 512M}, {@code 1.5GiB} or plain bytes, as picocli converts it. */
final class ByteSize implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b?)");

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    /** Bytes of {@code value}: K, M, G, T are powers of 1024 (with or without "B" or "iB"). */
    static long parse(String value) {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a size (examples: 8G, 512M, 1.5GiB, 1073741824)");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (bytes >= Long.MAX_VALUE / 2) {
            throw new CommandLine.TypeConversionException("'" + value + "' is too large");
        }
        return (long) bytes;
    }
}
