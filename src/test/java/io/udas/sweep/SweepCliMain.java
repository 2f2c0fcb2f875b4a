package io.udas.sweep;

import io.udas.cli.SweepCommand;
import org.apache.commons.cli.DefaultParser;

/** {@code udas sweep ...} with the fake trainer, as its own process (to test killing a whole sweep). */
public final class SweepCliMain {
    private SweepCliMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty(SweepCommand.MAIN_PROPERTY, FakeTrialMain.class.getName());
        SweepCommand c = new SweepCommand();
        System.exit(c.run(new DefaultParser().parse(c.options(), args)));
    }
}
