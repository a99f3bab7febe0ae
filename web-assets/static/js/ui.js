// Shared DOM helpers.

export function setMessage(element, message) {
  if (element) {
    element.textContent = message || "";
  }
}

/**
 * Shows `message` and moves focus to it, so the answer to a submit is read out next. The
 * element needs `tabindex="-1"`.
 */
export function showMessage(element, message) {
  setMessage(element, message);
  if (element && message) {
    element.focus();
  }
}

/** Disables `button` while `task` runs. */
export async function busy(button, task) {
  if (button) {
    button.disabled = true;
  }
  try {
    return await task();
  } finally {
    if (button) {
      button.disabled = false;
    }
  }
}

/** Opens a native dialog, clearing any old error message inside it. */
export function openDialog(dialog) {
  for (const alert of dialog.querySelectorAll(".alert")) {
    alert.textContent = "";
  }
  if (!dialog.open) {
    dialog.showModal();
  }
}

let closersWired = false;

/** Any `[data-close-dialog]` button closes the dialog it sits in. */
export function wireDialogClosers() {
  if (closersWired) {
    return;
  }
  closersWired = true;
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const closer = target && target.closest("[data-close-dialog]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) {
        dialog.close();
      }
    }
  });
}

/** The submit button of a form (for the busy state). */
export function submitButton(form) {
  return form.querySelector('button[type="submit"]');
}
