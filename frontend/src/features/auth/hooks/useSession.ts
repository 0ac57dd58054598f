// Session state from GET /me, shared through TanStack Query's cache.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { fetchMe, login, logout, meQueryKey, register, type User } from "../api/auth";

export function useCurrentUser() {
  return useQuery<User | null>({
    queryKey: meQueryKey,
    queryFn: ({ signal }) => fetchMe(signal),
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

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => {
      queryClient.clear();
      queryClient.setQueryData(meQueryKey, null);
    },
  });
}
