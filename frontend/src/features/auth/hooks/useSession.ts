// Session state from the session probe (GET /session), shared through TanStack Query's cache.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { changePassword, fetchSessionUser, login, logout, logoutEverywhere, meQueryKey, register, type User } from "../api/auth";

export function useCurrentUser() {
  return useQuery<User | null>({
    queryKey: meQueryKey,
    queryFn: ({ signal }) => fetchSessionUser(signal),
    staleTime: 60_000,
    retry: 1,
  });
}

/** Log in or register; either way the answer's user becomes the current user. */
function useSessionMutation<Input>(start: (input: Input) => Promise<{ user: User }>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: start,
    onSuccess: (session) => queryClient.setQueryData(meQueryKey, session.user),
  });
}

export const useLogin = () => useSessionMutation(login);
export const useRegister = () => useSessionMutation(register);
export const useChangePassword = () => useSessionMutation(changePassword);

/** Forget the user and everything loaded for them. */
function useForgetSession() {
  const queryClient = useQueryClient();
  return () => {
    queryClient.clear();
    queryClient.setQueryData(meQueryKey, null);
  };
}

/** Log out: this browser forgets the session whether or not the server answered. */
export function useLogout() {
  const forget = useForgetSession();
  return useMutation({ mutationFn: logout, onSettled: forget });
}

/** Sign out everywhere: only a confirmed revocation signs this browser out too, so a failure
 * can be shown and retried. */
export function useLogoutEverywhere() {
  const forget = useForgetSession();
  return useMutation({ mutationFn: logoutEverywhere, onSuccess: forget });
}
