package dev.kumiki.ui.internal.welcome;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.handlers.HandlerUtil;

/** Help > Welcome. */
public final class WelcomeHandler extends AbstractHandler {
    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        try {
            WelcomeEditor.open(HandlerUtil.getActiveWorkbenchWindowChecked(event).getActivePage());
        } catch (PartInitException e) {
            throw new ExecutionException("the Welcome page could not be opened", e);
        }
        return null;
    }
}
